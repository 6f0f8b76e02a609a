/** The sender: `tickets@<issuer host>` (the issuer is the platform's public identity). */
export const senderAddress = (env: Pick<Env, "TICKET_ISSUER">) => `tickets@${new URL(env.TICKET_ISSUER).hostname}`;
