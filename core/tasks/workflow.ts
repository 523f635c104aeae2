import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../principal.js';

/**
 * A workflow is what a task does: ordered steps, each idempotent (a resumed task runs the step it
 * was in again) and each knowing how to undo itself, so a task that fails part-way compensates.
 */
export interface StepContext<Input = Record<string, unknown>, Deps = unknown> {
  readonly taskId: string;
  readonly subjectId: string;
  readonly input: Input;
  readonly principal: Principal;
  /** What the worker gives every step: the hypervisor driver, plugins, configuration. */
  readonly deps: Deps;
  /** This attempt's own entity manager; steps write through it and flush themselves. */
  readonly em: EntityManager;
  /** What earlier steps recorded (a VM's ref, say), kept with the task across crashes. */
  readonly output: Readonly<Record<string, unknown>>;
  /** Records a value for later steps, for undo and for a resumed task. Stored at once. */
  record(key: string, value: unknown): Promise<void>;
  /**
   * Progress within the current step, 0–1. Safe to call without awaiting (from a driver's
   * progress callback): reports are recorded in order before the step counts as done.
   */
  progress(fraction: number): Promise<void>;
  /** A line of output for whoever follows the task. */
  log(message: string): Promise<void>;
}

export interface Step<Input = Record<string, unknown>, Deps = unknown> {
  name: string;
  run(context: StepContext<Input, Deps>): Promise<void>;
  /** Undoes `run`; also called for a step that failed half-way, so it must cope with partial work. */
  undo?(context: StepContext<Input, Deps>): Promise<void>;
}

export type TaskOutcome = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Plain data with no dependencies of its own, so the API reads its step names and the worker runs it. */
export interface Workflow<Input = Record<string, unknown>, Deps = unknown> {
  kind: string;
  steps: Step<Input, Deps>[];
  /** Runs once the task's fate is known (after compensation when it failed): set the subject's state. */
  settle?(context: StepContext<Input, Deps>, outcome: TaskOutcome): Promise<void>;
}

export type WorkflowRegistry = ReadonlyMap<string, Workflow<any, any>>;

export const workflowRegistry = (workflows: Workflow<any, any>[]): WorkflowRegistry =>
  new Map(workflows.map((workflow) => [workflow.kind, workflow]));
