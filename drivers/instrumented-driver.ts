import { Counter, Histogram } from 'prom-client';
import { DriverError, type HypervisorDriver } from './driver.js';

const calls = new Counter({
  name: 'hostgraph_driver_calls_total',
  help: 'Hypervisor driver calls by driver, operation and outcome (ok, or the error class: Transient, Conflict, …)',
  labelNames: ['driver', 'operation', 'outcome'] as const,
});
const durations = new Histogram({
  name: 'hostgraph_driver_call_seconds',
  help: 'Hypervisor driver call durations by driver, operation and outcome',
  labelNames: ['driver', 'operation', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
});

const outcomeOf = (error: unknown) => (error instanceof DriverError ? error.name : 'Error');

/**
 * The same driver, with every call counted and timed on /metrics: one wrapper for every driver,
 * so none of them needs to know about Prometheus. Test hooks of the wrapped driver still work on it.
 */
const wrapped = new WeakMap<HypervisorDriver, HypervisorDriver>();

export function instrumentDriver<D extends HypervisorDriver>(driver: D): D {
  // One wrapper per driver, however often the worker asks for a VM's driver.
  const known = wrapped.get(driver);
  if (known) return known as D;
  const proxy = new Proxy(driver, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'close' || property === 'constructor') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (...args: unknown[]) => {
        const started = performance.now();
        const done = (outcome: string) => {
          const labels = { driver: target.name, operation: property, outcome };
          calls.inc(labels);
          durations.observe(labels, (performance.now() - started) / 1000);
        };
        let result: unknown;
        try {
          result = value.apply(target, args);
        } catch (error) {
          done(outcomeOf(error));
          throw error;
        }
        if (!(result instanceof Promise)) return result;
        return result.then(
          (answer) => {
            done('ok');
            return answer;
          },
          (error) => {
            done(outcomeOf(error));
            throw error;
          },
        );
      };
    },
  });
  wrapped.set(driver, proxy);
  return proxy;
}
