/**
 * A process-wide hook into every AWS SDK client Billhook builds. The client
 * factories pass each new client through `instrumentClient`, which applies
 * whatever middleware has been registered; with nothing registered (always,
 * in production) it returns the client untouched.
 *
 * It exists so a benchmark or a test can count and shape AWS calls (e.g. the
 * requests and capacity units a delivery costs) without the composition root
 * knowing about it. Clients are built lazily inside the handlers, so register
 * before the handlers make their first call.
 */

/**
 * An AWS SDK v3 plugin: `applyToStack` adds middleware to a client's stack.
 * Typed loosely on purpose: one plugin must fit clients of every service.
 */
export interface AwsMiddlewarePlugin {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  applyToStack(stack: any): void;
}

/** The one part of an AWS SDK v3 client this module touches. */
export interface InstrumentableClient {
  middlewareStack: { use(plugin: AwsMiddlewarePlugin): void };
}

const plugins = new Set<AwsMiddlewarePlugin>();

/**
 * Register a plugin for every client built from now on (clients already built
 * keep their stack). Returns a function that unregisters it.
 *
 * @example
 * const off = registerAwsMiddleware({
 *   applyToStack: (stack) => stack.add((next, ctx) => async (args) => next(args), { step: 'initialize', name: 'count' }),
 * });
 */
export function registerAwsMiddleware(plugin: AwsMiddlewarePlugin): () => void {
  plugins.add(plugin);
  return () => {
    plugins.delete(plugin);
  };
}

/** Apply every registered plugin to `client` and return it; a no-op when none is registered. */
export function instrumentClient<C extends InstrumentableClient>(client: C): C {
  for (const plugin of plugins) client.middlewareStack.use(plugin);
  return client;
}
