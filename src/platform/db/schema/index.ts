// Every table, for drizzle-kit and for `drizzle(env.DB, { schema })`. One file per area.
export * from "./catalog";
export * from "./gate";
export * from "./orders";
export * from "./stats";
export * from "./tickets";
export * from "./payments";
export * from "./resale";
export * from "./waitlist";
