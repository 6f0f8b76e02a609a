/** Minor units as money, with the currency's own decimals (Intl knows them: 2 for eur, 0 for jpy). */
export function formatMoney(minor: number, currency: string): string {
  const f = new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() });
  return f.format(minor / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2));
}
