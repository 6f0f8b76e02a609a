/**
 * Stripe API responses as recorded from test mode (ids and secrets anonymized), replayed by a
 * fake fetch so the Stripe provider is tested through the real SDK without network access.
 */
const base = {
  object: "payment_intent",
  amount: 12000,
  amount_details: { tip: {} },
  application: null,
  application_fee_amount: null,
  automatic_payment_methods: { allow_redirects: "always", enabled: true },
  canceled_at: null,
  cancellation_reason: null,
  capture_method: "manual",
  confirmation_method: "automatic",
  created: 1763788800,
  currency: "usd",
  customer: null,
  description: null,
  last_payment_error: null,
  livemode: false,
  next_action: null,
  on_behalf_of: null,
  payment_method_configuration_details: { id: "pmc_1SVabcDEFghiJKLmnop", parent: null },
  payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: "automatic" } },
  payment_method_types: ["card", "link"],
  processing: null,
  receipt_email: null,
  review: null,
  setup_future_usage: null,
  shipping: null,
  source: null,
  statement_descriptor: null,
  statement_descriptor_suffix: null,
  transfer_data: null,
  transfer_group: null,
};

export const PI_ID = "pi_3SVxYzAbCdEfGhIj0aBcDeFg";

export const createdIntent = {
  ...base,
  id: PI_ID,
  amount_capturable: 0,
  amount_received: 0,
  client_secret: `${PI_ID}_secret_Qw3rTyUiOpAsDfGhJkLzXcVbN`,
  latest_charge: null,
  metadata: { order_id: "ord_0123456789abcdefghjk" },
  payment_method: null,
  status: "requires_payment_method",
};

export const capturedIntent = {
  ...createdIntent,
  amount_capturable: 0,
  amount_received: 12000,
  latest_charge: "ch_3SVxYzAbCdEfGhIj0xYzAbCd",
  payment_method: "pm_1SVxZ0AbCdEfGhIjKlMnOpQr",
  status: "succeeded",
};

export const canceledIntent = {
  ...createdIntent,
  canceled_at: 1763789100,
  cancellation_reason: "requested_by_customer",
  status: "canceled",
};

export const refund = {
  id: "re_3SVxYzAbCdEfGhIj0qRsTuVw",
  object: "refund",
  amount: 12000,
  balance_transaction: "txn_3SVxYzAbCdEfGhIj0lMnOpQr",
  charge: "ch_3SVxYzAbCdEfGhIj0xYzAbCd",
  created: 1763789200,
  currency: "usd",
  destination_details: { card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" }, type: "card" },
  metadata: {},
  payment_intent: PI_ID,
  reason: null,
  receipt_number: null,
  source_transfer_reversal: null,
  status: "succeeded",
  transfer_reversal: null,
};

export const unexpectedStateError = (status: string) => ({
  error: {
    code: "payment_intent_unexpected_state",
    doc_url: "https://stripe.com/docs/error-codes/payment-intent-unexpected-state",
    message: `This PaymentIntent could not be captured because it has a status of ${status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
    payment_intent: { ...createdIntent, status },
    request_log_url: "https://dashboard.stripe.com/test/logs/req_AbCdEfGhIjKl",
    type: "invalid_request_error",
  },
});

/** The charge of `capturedIntent` as a `charge.refunded` event carries it, after a partial refund of 4000. */
export const partlyRefundedCharge = {
  id: "ch_3SVxYzAbCdEfGhIj0xYzAbCd",
  object: "charge",
  amount: 12000,
  amount_captured: 12000,
  amount_refunded: 4000,
  balance_transaction: "txn_3SVxYzAbCdEfGhIj0aAbBcC",
  captured: true,
  created: 1763788950,
  currency: "usd",
  disputed: false,
  livemode: false,
  metadata: { order_id: "ord_0123456789abcdefghjk" },
  paid: true,
  payment_intent: PI_ID,
  payment_method: "pm_1SVxZ0AbCdEfGhIjKlMnOpQr",
  refunded: false,
  status: "succeeded",
};

/** Stripe's event envelope (as delivered to a webhook endpoint) around an API object. */
export const stripeEventOf = (type: string, object: object, created = Math.floor(Date.now() / 1000), id = `evt_${crypto.randomUUID().replaceAll("-", "")}`) =>
  JSON.stringify({
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: "req_AbCdEfGhIjKl", idempotency_key: null },
    type,
  });
