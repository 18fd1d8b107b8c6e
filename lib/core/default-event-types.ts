/**
 * The default catalogue: the events a billing platform emits, by family
 * (invoice, subscription, payment, customer, wallet, credit_note, usage,
 * entitlement, dunning), plus Billhook's own `webhook.test` and operational
 * events. Each has a description and an example `data` object (what "send
 * example" delivers, and what the catalogue shows), and no schema: a
 * platform that wants ingest to check `data` PUTs a definition with one.
 *
 * Amounts are integers in the currency's minor unit (4200 = 42.00 EUR),
 * times ISO 8601 UTC, ids prefixed as a billing platform would have them.
 * Every type that existed before stays (endpoints subscribe to them).
 */

export interface DefaultEventType {
  readonly type: string;
  readonly description: string;
  readonly example: Readonly<Record<string, unknown>>;
}

/** `webhook.test`'s example: what a test send carries for a type without an example of its own. */
export const TEST_EVENT_DATA = { test: true, message: 'This is a test event sent from Billhook.' } as const;

const customer = { customerId: 'cus_4QF2V7', email: 'billing@acme.example', name: 'Acme Corp' };
const period = { periodStart: '2026-01-01T00:00:00Z', periodEnd: '2026-02-01T00:00:00Z' };
const invoice = { invoiceId: 'inv_1001', number: 'ACME-2026-0001', customerId: customer.customerId, subscriptionId: 'sub_8KD1Q2', currency: 'EUR' };
const subscription = { subscriptionId: 'sub_8KD1Q2', customerId: customer.customerId, planId: 'plan_pro_monthly', quantity: 5 };
const payment = { paymentId: 'pay_7HC3M1', invoiceId: invoice.invoiceId, customerId: customer.customerId, amount: 4200, currency: 'EUR', method: 'card' };
const wallet = { walletId: 'wal_2M9XQ', customerId: customer.customerId, currency: 'EUR' };
const creditNote = { creditNoteId: 'cn_3TZ8P', number: 'ACME-CN-0007', invoiceId: invoice.invoiceId, customerId: customer.customerId, currency: 'EUR' };
const usage = { customerId: customer.customerId, subscriptionId: subscription.subscriptionId, meter: 'api_calls', unit: 'call' };
const entitlement = { entitlementId: 'ent_5RW1K', customerId: customer.customerId, feature: 'seats', subscriptionId: subscription.subscriptionId };
const dunning = { dunningId: 'dun_6YB4N', invoiceId: invoice.invoiceId, customerId: customer.customerId, amountDue: 4200, currency: 'EUR' };

export const DEFAULT_EVENT_TYPES: readonly DefaultEventType[] = [
  // ---------------------------------------------------------------- invoices
  {
    type: 'invoice.created',
    description: 'A draft invoice was created.',
    example: { ...invoice, status: 'draft', subtotal: 4000, tax: 200, total: 4200, ...period, createdAt: '2026-02-01T00:00:05Z' },
  },
  {
    type: 'invoice.updated',
    description: 'A draft invoice changed: lines, discounts, tax or due date.',
    example: { ...invoice, status: 'draft', total: 4620, changes: ['lines', 'tax'], updatedAt: '2026-02-01T00:10:00Z' },
  },
  {
    type: 'invoice.finalized',
    description: 'An invoice was finalized and can no longer be edited.',
    example: { ...invoice, status: 'open', total: 4200, amountDue: 4200, dueDate: '2026-02-15', finalizedAt: '2026-02-01T01:00:00Z' },
  },
  {
    type: 'invoice.sent',
    description: 'An invoice was sent to the customer.',
    example: { ...invoice, status: 'open', total: 4200, sentTo: [customer.email], sentAt: '2026-02-01T01:00:30Z' },
  },
  {
    type: 'invoice.paid',
    description: 'An invoice was paid in full.',
    example: { ...invoice, status: 'paid', total: 4200, amountPaid: 4200, paymentId: payment.paymentId, paidAt: '2026-02-03T09:12:44Z' },
  },
  {
    type: 'invoice.payment_failed',
    description: 'A payment attempt for an invoice failed.',
    example: { ...invoice, status: 'open', amountDue: 4200, paymentId: payment.paymentId, failureCode: 'card_declined', failureMessage: 'Your card was declined.', attempt: 1, nextAttemptAt: '2026-02-06T09:00:00Z' },
  },
  {
    type: 'invoice.overdue',
    description: 'An open invoice passed its due date unpaid.',
    example: { ...invoice, status: 'open', amountDue: 4200, dueDate: '2026-02-15', daysOverdue: 1 },
  },
  {
    type: 'invoice.marked_uncollectible',
    description: 'An invoice was written off as uncollectible.',
    example: { ...invoice, status: 'uncollectible', amountDue: 4200, markedAt: '2026-04-01T00:00:00Z' },
  },
  {
    type: 'invoice.voided',
    description: 'An invoice was voided.',
    example: { ...invoice, status: 'void', total: 4200, reason: 'duplicate', voidedAt: '2026-02-02T10:00:00Z' },
  },
  {
    type: 'invoice.upcoming',
    description: 'A subscription will be invoiced soon (sent a few days before renewal).',
    example: { customerId: customer.customerId, subscriptionId: subscription.subscriptionId, currency: 'EUR', estimatedTotal: 4200, invoiceDate: '2026-03-01T00:00:00Z' },
  },
  // ----------------------------------------------------------- subscriptions
  {
    type: 'subscription.created',
    description: 'A subscription was created.',
    example: { ...subscription, status: 'active', currentPeriodStart: '2026-01-01T00:00:00Z', currentPeriodEnd: '2026-02-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z' },
  },
  {
    type: 'subscription.updated',
    description: 'A subscription changed plan, quantity or billing settings.',
    example: { ...subscription, status: 'active', previous: { planId: 'plan_starter_monthly', quantity: 3 }, prorationAmount: 1350, updatedAt: '2026-01-15T14:03:00Z' },
  },
  {
    type: 'subscription.trial_will_end',
    description: 'A trial ends soon (sent three days before).',
    example: { ...subscription, status: 'trialing', trialEnd: '2026-01-14T00:00:00Z' },
  },
  {
    type: 'subscription.trial_ended',
    description: 'A trial ended; the subscription is now billed or canceled.',
    example: { ...subscription, status: 'active', trialEnd: '2026-01-14T00:00:00Z' },
  },
  {
    type: 'subscription.renewed',
    description: 'A subscription entered a new billing period.',
    example: { ...subscription, status: 'active', currentPeriodStart: '2026-02-01T00:00:00Z', currentPeriodEnd: '2026-03-01T00:00:00Z', invoiceId: invoice.invoiceId },
  },
  {
    type: 'subscription.cancellation_scheduled',
    description: 'A subscription was set to cancel at the end of its period.',
    example: { ...subscription, status: 'active', cancelAt: '2026-03-01T00:00:00Z', reason: 'customer_request' },
  },
  {
    type: 'subscription.canceled',
    description: 'A subscription was canceled.',
    example: { ...subscription, status: 'canceled', reason: 'customer_request', canceledAt: '2026-03-01T00:00:00Z' },
  },
  {
    type: 'subscription.suspended',
    description: 'A subscription was suspended, usually for non-payment.',
    example: { ...subscription, status: 'suspended', reason: 'non_payment', invoiceId: invoice.invoiceId, suspendedAt: '2026-02-20T00:00:00Z' },
  },
  {
    type: 'subscription.resumed',
    description: 'A suspended subscription was resumed.',
    example: { ...subscription, status: 'active', resumedAt: '2026-02-22T08:30:00Z' },
  },
  // ---------------------------------------------------------------- payments
  {
    type: 'payment.processing',
    description: 'A payment was initiated and awaits confirmation (bank transfers, direct debits).',
    example: { ...payment, method: 'sepa_debit', status: 'processing', initiatedAt: '2026-02-03T09:00:00Z' },
  },
  {
    type: 'payment.succeeded',
    description: 'A payment succeeded.',
    example: { ...payment, status: 'succeeded', fee: 88, succeededAt: '2026-02-03T09:12:44Z' },
  },
  {
    type: 'payment.failed',
    description: 'A payment failed.',
    example: { ...payment, status: 'failed', failureCode: 'insufficient_funds', failureMessage: 'The card has insufficient funds.', failedAt: '2026-02-03T09:12:44Z' },
  },
  {
    type: 'payment.refunded',
    description: 'A payment was refunded, fully or in part.',
    example: { ...payment, refundId: 're_9PL2D', amountRefunded: 1200, reason: 'requested_by_customer', refundedAt: '2026-02-10T16:20:00Z' },
  },
  {
    type: 'payment.disputed',
    description: 'The customer disputed a payment with their bank (a chargeback).',
    example: { ...payment, disputeId: 'dp_1VX7C', reason: 'fraudulent', amountDisputed: 4200, evidenceDueBy: '2026-02-24T23:59:59Z' },
  },
  // --------------------------------------------------------------- customers
  {
    type: 'customer.created',
    description: 'A customer was created.',
    example: { ...customer, currency: 'EUR', country: 'DE', createdAt: '2026-01-01T00:00:00Z' },
  },
  {
    type: 'customer.updated',
    description: 'A customer was updated.',
    example: { ...customer, changes: ['email', 'taxId'], updatedAt: '2026-01-20T11:00:00Z' },
  },
  {
    type: 'customer.payment_method_updated',
    description: 'A customer’s default payment method changed.',
    example: { customerId: customer.customerId, paymentMethodId: 'pm_4KX9T', type: 'card', brand: 'visa', last4: '4242', expMonth: 12, expYear: 2028 },
  },
  {
    type: 'customer.deleted',
    description: 'A customer was deleted.',
    example: { customerId: customer.customerId, deletedAt: '2026-06-30T00:00:00Z' },
  },
  // ----------------------------------------------------------------- wallets
  {
    type: 'wallet.created',
    description: 'A prepaid wallet (credit balance) was opened for a customer.',
    example: { ...wallet, balance: 0, createdAt: '2026-01-01T00:00:00Z' },
  },
  {
    type: 'wallet.topped_up',
    description: 'Credits were added to a wallet: a purchase, a grant or a transfer.',
    example: { ...wallet, amount: 10000, balance: 12500, source: 'purchase', paymentId: payment.paymentId, toppedUpAt: '2026-02-03T09:13:00Z' },
  },
  {
    type: 'wallet.debited',
    description: 'Credits were taken from a wallet to pay an invoice or usage.',
    example: { ...wallet, amount: 4200, balance: 8300, invoiceId: invoice.invoiceId, debitedAt: '2026-02-03T09:14:00Z' },
  },
  {
    type: 'wallet.balance_low',
    description: 'A wallet’s balance fell below its alert threshold.',
    example: { ...wallet, balance: 900, threshold: 1000 },
  },
  {
    type: 'wallet.depleted',
    description: 'A wallet’s balance reached zero.',
    example: { ...wallet, balance: 0, depletedAt: '2026-02-27T18:45:00Z' },
  },
  {
    type: 'wallet.credits_expired',
    description: 'Unused credits in a wallet expired.',
    example: { ...wallet, amount: 2500, balance: 0, grantId: 'grant_8QW2', expiredAt: '2026-12-31T23:59:59Z' },
  },
  // ------------------------------------------------------------ credit notes
  {
    type: 'credit_note.created',
    description: 'A draft credit note was created against an invoice.',
    example: { ...creditNote, status: 'draft', amount: 1200, reason: 'service_credit', createdAt: '2026-02-10T16:00:00Z' },
  },
  {
    type: 'credit_note.issued',
    description: 'A credit note was issued: the amount is refunded or credited to the customer.',
    example: { ...creditNote, status: 'issued', amount: 1200, creditedTo: 'wallet', walletId: wallet.walletId, issuedAt: '2026-02-10T16:05:00Z' },
  },
  {
    type: 'credit_note.voided',
    description: 'A credit note was voided.',
    example: { ...creditNote, status: 'void', amount: 1200, voidedAt: '2026-02-11T09:00:00Z' },
  },
  // ------------------------------------------------------------------- usage
  {
    type: 'usage.threshold_reached',
    description: 'Metered usage crossed an alert threshold in the current period.',
    example: { ...usage, threshold: 80000, quantity: 80112, limit: 100000, ...period },
  },
  {
    type: 'usage.limit_exceeded',
    description: 'Metered usage went over the plan’s limit: overage applies or usage is blocked.',
    example: { ...usage, limit: 100000, quantity: 100001, action: 'overage', ...period },
  },
  {
    type: 'usage.period_closed',
    description: 'A billing period’s usage was totalled for invoicing.',
    example: { ...usage, quantity: 91234, amount: 1825, currency: 'EUR', ...period, invoiceId: invoice.invoiceId },
  },
  // ------------------------------------------------------------ entitlements
  {
    type: 'entitlement.granted',
    description: 'A customer gained access to a feature (a plan change, an add-on, a grant).',
    example: { ...entitlement, limit: 10, grantedAt: '2026-01-15T14:03:00Z' },
  },
  {
    type: 'entitlement.updated',
    description: 'A feature’s limit changed for a customer.',
    example: { ...entitlement, limit: 25, previousLimit: 10, updatedAt: '2026-02-01T00:00:00Z' },
  },
  {
    type: 'entitlement.revoked',
    description: 'A customer lost access to a feature.',
    example: { ...entitlement, reason: 'subscription_canceled', revokedAt: '2026-03-01T00:00:00Z' },
  },
  // ----------------------------------------------------------------- dunning
  {
    type: 'dunning.started',
    description: 'An unpaid invoice entered dunning: retries and reminders begin.',
    example: { ...dunning, policy: 'standard', startedAt: '2026-02-03T09:13:00Z' },
  },
  {
    type: 'dunning.retry_scheduled',
    description: 'The next payment retry of a dunning run was scheduled.',
    example: { ...dunning, attempt: 2, retryAt: '2026-02-06T09:00:00Z' },
  },
  {
    type: 'dunning.reminder_sent',
    description: 'A payment reminder was sent to the customer.',
    example: { ...dunning, reminder: 2, channel: 'email', sentTo: customer.email, sentAt: '2026-02-06T09:05:00Z' },
  },
  {
    type: 'dunning.recovered',
    description: 'A dunning run ended with the invoice paid.',
    example: { ...dunning, amountDue: 0, paymentId: payment.paymentId, attempts: 2, recoveredAt: '2026-02-06T09:01:12Z' },
  },
  {
    type: 'dunning.exhausted',
    description: 'A dunning run ended without payment; the configured action (suspend, cancel) follows.',
    example: { ...dunning, attempts: 4, action: 'suspend_subscription', subscriptionId: subscription.subscriptionId, endedAt: '2026-02-20T00:00:00Z' },
  },
  // ---------------------------------------------------------------- Billhook
  {
    type: 'webhook.test',
    description: 'A test event sent on request to check an endpoint.',
    example: TEST_EVENT_DATA,
  },
  {
    type: 'endpoint.disabled',
    description: 'Operational: Billhook disabled an endpoint (410 Gone, or failing for too long).',
    example: { endpointId: 'ep_01HZX', url: 'https://billing.example.com/webhooks', reason: 'endpoint answered 410 Gone', disabledAt: '2026-02-05T10:00:00.000Z' },
  },
  {
    type: 'endpoint.recovered',
    description: 'Operational: an endpoint that had exhausted deliveries succeeded again.',
    example: { endpointId: 'ep_01HZX', url: 'https://billing.example.com/webhooks', failingSince: '2026-02-04T22:10:00.000Z', recoveredAt: '2026-02-05T10:00:00.000Z' },
  },
  {
    type: 'delivery.exhausted',
    description: 'Operational: a delivery used up its retries and went to the dead-letter queue.',
    example: { deliveryId: 'dlv_01HZX', eventId: 'evt_01HZX', eventType: 'invoice.paid', endpointId: 'ep_01HZX', attempts: 8, lastStatusCode: 503, lastError: 'endpoint answered 503' },
  },
];
