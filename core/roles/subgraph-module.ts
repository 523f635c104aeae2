import type { MikroORM } from '@mikro-orm/core';
import type { GraphQLSchema } from 'graphql';
import type { Bus } from '../bus/bus.js';
import type { Config, SubgraphName } from '../config.js';
import type { InProcessSubgraphs } from '../graphql/in-process-subgraphs.js';
import type { SubgraphClient } from '../graphql/subgraph-client.js';
import type { Logger } from '../logger.js';
import type { JobQueue, QueueOptions } from '../queue/queue.js';
import type { HypervisorDriver } from '../../drivers/driver.js';
import type { Provisioner } from '../../plugins/provisioner/provisioner.js';
import type { VmEndpoints } from '../../plugins/provisioner/vm-endpoints.js';
import type { ServiceAddresses } from '../../subgraphs/hosting/test-copy/service-addresses.js';

/** What tests and embedders may supply instead of what the configuration would build. */
export interface RoleOverrides {
  /** The driver of every `sim` hypervisor host, instead of one the worker builds. */
  driver?: HypervisorDriver;
  queueOptions?: QueueOptions;
  /** The time site history is stamped with and certificates are judged due by (tests write a month of history in seconds). */
  clock?: () => Date;
  /** The worker's provisioner instead of the configured one (tests watch the sim's runs). */
  provisioner?: Provisioner;
  /** Where VMs answer SSH and their host keys (a test's sshd), instead of ipreg's. */
  vmEndpoints?: VmEndpoints;
  /** Who gives test copies their service names and addresses, instead of ipreg (tests that watch the calls). */
  serviceAddresses?: ServiceAddresses;
}

/** What every role in one process shares: configuration, the queue and bus, and its shutdown list. */
export interface ProcessResources {
  config: Config;
  logger: Logger;
  bus: Bus;
  queue: JobQueue;
  queueOptions: QueueOptions;
  overrides: RoleOverrides;
  /** A client for asking another subgraph, signed as this process (`caller` names it in their logs). */
  clientOf(subgraph: SubgraphName, caller: string): SubgraphClient;
  /** The subgraphs this process serves, for its own callers to reach without HTTP. */
  inProcess: InProcessSubgraphs;
  /** Registers cleanup; the process runs them in reverse order when it stops. */
  onClose(close: () => Promise<unknown>): void;
}

/**
 * One subgraph, as the process that hosts its roles sees it: its schema, its own tables, and what
 * it does in each role. `serve` runs for the role named after the subgraph; `work` in the worker
 * role; `schedule` in the scheduler role. `prepare` builds what these share within one process.
 */
export interface SubgraphModule<Shared = unknown> {
  name: SubgraphName;
  buildSchema(): Promise<GraphQLSchema>;
  /** Opens the subgraph's own tables (migrations are applied by the caller). */
  openDatabase(url: string, logger?: Logger): Promise<MikroORM>;
  /**
   * Its subscription fields whose identical subscriptions (same document, variables and caller)
   * the gateway may serve from one upstream stream: `replay` for histories, `live` for news.
   */
  sharedSubscriptions?: Readonly<Record<string, 'replay' | 'live'>>;
  prepare?(process: ProcessResources, orm: MikroORM): Promise<Shared>;
  serve(process: ProcessResources, orm: MikroORM, shared: Shared): Promise<void>;
  work?(process: ProcessResources, orm: MikroORM, shared: Shared): Promise<void>;
  schedule?(process: ProcessResources, orm: MikroORM, shared: Shared): Promise<void>;
}

/** Keeps the type of `prepare`'s result across the module's hooks. */
export const defineSubgraph = <Shared>(module: SubgraphModule<Shared>): SubgraphModule<Shared> => module;
