import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { authenticate, createAccount, LoginInput, SignupInput, type Account } from "../auth/accounts";
import { issueSessionToken, type Principal } from "../auth/tokens";
import { conflict, unauthenticated } from "../errors";
import { limitFailures, rateLimit } from "../middleware/rate-limit";
import { validate } from "../validation";

/** Sign-up and login. */
export const authRoutes = new Hono<AppEnv>();

// One answer whether the email is unknown, the password wrong or the account not a login: no account enumeration.
const wrongCredentials = () => unauthenticated("Email or password is wrong.");

function userPrincipal(account: Account): Principal {
  // Staff principals are gate devices (issued by the gate-devices route), never password logins.
  if (account.role === "staff") throw wrongCredentials();
  return { role: account.role, userId: account.id };
}

authRoutes.post("/api/v1/auth/signup", rateLimit("auth"), validate("json", SignupInput), async (c) => {
  const result = await createAccount(c.env, c.req.valid("json"));
  if (!result.ok) throw conflict("email_taken", "An account with this email already exists.");
  const token = await issueSessionToken(c.env, userPrincipal(result.account));
  return c.json({ user_id: result.account.id, token, role: result.account.role }, 201);
});

authRoutes.post("/api/v1/auth/login", rateLimit("auth"), validate("json", LoginInput), async (c) => {
  const input = c.req.valid("json");
  const account = await limitFailures(c.env, "login_failure", input.email, () => authenticate(c.env, input));
  if (!account) throw wrongCredentials();
  const token = await issueSessionToken(c.env, userPrincipal(account));
  return c.json({ user_id: account.id, token, role: account.role }, 200);
});
