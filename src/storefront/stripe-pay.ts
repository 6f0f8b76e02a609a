// Stripe's Payment Element for an order's PaymentIntent (client_secret). Stripe.js itself is
// loaded from js.stripe.com by the page, as Stripe requires; the webhook settles the order.
interface StripeLike {
  elements(o: { clientSecret: string }): { create(kind: "payment"): { mount(el: HTMLElement): void } } & object;
  confirmPayment(o: { elements: object; confirmParams: { return_url: string } }): Promise<{ error?: { message?: string } }>;
}
declare const Stripe: ((key: string) => StripeLike) | undefined;

const form = document.getElementById("stripe-payment") as HTMLFormElement | null;
const message = document.getElementById("payment-message");
if (form && message) {
  if (typeof Stripe !== "function") {
    message.hidden = false;
    message.textContent = "The card form could not load. Check your connection and reload the page; your seats stay held until the timer ends.";
  } else {
    const stripe = Stripe(form.dataset.publishableKey!);
    const elements = stripe.elements({ clientSecret: form.dataset.clientSecret! });
    elements.create("payment").mount(document.getElementById("payment-element")!);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: form.dataset.returnUrl! } });
      // Only reached when the payment could not be confirmed; success redirects to return_url.
      if (error) {
        message.hidden = false;
        message.textContent = error.message ?? "The payment did not go through. Try again or use another card.";
        delete form.dataset.sending;
      }
    });
  }
}
