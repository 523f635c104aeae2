import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { parse as parseYaml } from 'yaml';
import type { RoleApplication } from '../provisioner.js';
import { checkParameterValue, PARAMETER_TYPES, type ParameterType } from './parameter-types.js';
import { ACTION_KINDS, checkIdempotent, planError, toAction, type ActionKind, type PlannedStep } from './planned-step.js';

/** The roles shipped with Hostgraph: YAML files, and their templates under `templates/`. */
export const BUNDLED_ROLES = fileURLToPath(new URL('../roles/', import.meta.url));

interface ParameterDefinition {
  type: ParameterType;
  default?: unknown;
}

interface StepDefinition {
  name: string;
  /** A boolean parameter, or `not <parameter>`: the step is left out of the plan otherwise. */
  when?: string;
  notify?: string;
  whenNotified?: string;
  kind: ActionKind;
  body: Record<string, unknown>;
}

interface RoleDefinition {
  name: string;
  parameters: Record<string, ParameterDefinition>;
  steps: StepDefinition[];
}

/** A run's steps, and the values that must never appear in what it reports. */
export interface Plan {
  steps: PlannedStep[];
  secrets: string[];
}

const ROLE_NAME = /^[a-z][a-z0-9-]*$/;
const NOTIFICATION = /^[a-z][a-z0-9-]*$/;
/** A field that is nothing but `{{parameter}}` takes the parameter's value as it is: a list stays a list. */
const WHOLE_PARAMETER = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;
const STEP_FIELDS = ['name', 'when', 'notify', 'whenNotified'];

/**
 * Reads roles from a folder and turns a role and its parameters into concrete steps. Roles are
 * checked whole when first read (every field, every parameter's default), and parameters before
 * anything is planned, so bad input fails before the VM is touched.
 */
export class RoleLibrary {
  readonly #directory: string;
  readonly #roles = new Map<string, RoleDefinition>();
  // strict: a template naming a parameter the role lacks fails instead of writing an empty string;
  // noEscape: these are config files, not HTML.
  readonly #handlebars = Handlebars.create();
  readonly #compiled = new Map<string, Handlebars.TemplateDelegate>();

  constructor(directory: string = BUNDLED_ROLES) {
    this.#directory = resolve(directory);
  }

  /** The concrete steps of `roles`, in order; a notification is cleared by the last step of each role that waits for it. */
  plan(roles: RoleApplication[]): Plan {
    const steps: PlannedStep[] = [];
    const secrets: string[] = [];
    for (const application of roles) {
      const role = this.role(application.role);
      const parameters = this.#parameters(role, application.parameters ?? {});
      for (const [name, definition] of Object.entries(role.parameters)) {
        if (definition.type === 'secret') secrets.push(parameters[name] as string);
      }
      const planned = role.steps.filter((step) => step.when === undefined || this.#holds(step.when, parameters)).map((step) => this.#planStep(role, step, parameters));
      const lastWaiting = new Map<string, PlannedStep>();
      for (const step of planned) if (step.whenNotified) lastWaiting.set(step.whenNotified, step);
      for (const step of lastWaiting.values()) step.clearsNotification = true;
      steps.push(...planned);
    }
    return { steps, secrets };
  }

  role(name: string): RoleDefinition {
    if (!ROLE_NAME.test(name)) throw planError(name, null, 'not a role name (lower case letters, digits and "-")');
    let role = this.#roles.get(name);
    if (!role) {
      let text: string;
      try {
        text = readFileSync(join(this.#directory, `${name}.yaml`), 'utf8');
      } catch {
        throw planError(name, null, `there is no role ${name} in ${this.#directory}`);
      }
      role = readRole(name, parseYaml(text));
      this.#roles.set(name, role);
    }
    return role;
  }

  #parameters(role: RoleDefinition, given: Record<string, unknown>): Record<string, unknown> {
    const unknown = Object.keys(given).filter((name) => !(name in role.parameters));
    if (unknown.length > 0) throw planError(role.name, null, `no parameter ${unknown.join(', ')} (it takes ${Object.keys(role.parameters).join(', ') || 'none'})`);
    const values: Record<string, unknown> = {};
    for (const [name, definition] of Object.entries(role.parameters)) {
      const value = given[name] ?? definition.default;
      if (value === undefined) throw planError(role.name, null, `parameter ${name} (${definition.type}) is required`);
      try {
        values[name] = checkParameterValue(definition.type, value);
      } catch (error) {
        throw planError(role.name, null, `parameter ${name}: ${(error as Error).message}`);
      }
    }
    return values;
  }

  #holds(condition: string, parameters: Record<string, unknown>): boolean {
    const negated = condition.startsWith('not ');
    return Boolean(parameters[negated ? condition.slice(4) : condition]) !== negated;
  }

  #planStep(role: RoleDefinition, step: StepDefinition, parameters: Record<string, unknown>): PlannedStep {
    const name = this.#render(step.name, parameters) as string;
    try {
      const body = this.#render(step.body, parameters) as Record<string, unknown>;
      if (step.kind === 'file' && typeof body.template === 'string') {
        body.content = this.#render(this.#template(body.template), parameters);
        delete body.template;
      }
      return {
        role: role.name,
        name,
        action: toAction(step.kind, body),
        ...(step.notify ? { notify: step.notify } : {}),
        ...(step.whenNotified ? { whenNotified: step.whenNotified } : {}),
      };
    } catch (error) {
      throw planError(role.name, name, (error as Error).message);
    }
  }

  #render(value: unknown, parameters: Record<string, unknown>): unknown {
    if (typeof value === 'string') {
      const whole = WHOLE_PARAMETER.exec(value);
      if (whole) {
        if (!(whole[1] in parameters)) throw new Error(`"${whole[1]}" is not a parameter of this role`);
        return parameters[whole[1]];
      }
      if (!value.includes('{{')) return value;
      let compiled = this.#compiled.get(value);
      if (!compiled) {
        compiled = this.#handlebars.compile(value, { strict: true, noEscape: true });
        this.#compiled.set(value, compiled);
      }
      return compiled(parameters);
    }
    if (Array.isArray(value)) return value.map((item) => this.#render(item, parameters));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.#render(item, parameters)]));
    }
    return value;
  }

  #template(name: string): string {
    const directory = join(this.#directory, 'templates');
    const path = resolve(directory, name);
    if (relative(directory, path).startsWith('..')) throw new Error(`template ${name} is outside ${directory}`);
    try {
      return readFileSync(path, 'utf8');
    } catch {
      throw new Error(`there is no template ${name} in ${directory}`);
    }
  }
}

/** Checks a role file's shape and its parameters' defaults; what depends on parameter values is checked when planned. */
function readRole(name: string, document: unknown): RoleDefinition {
  const fail = (message: string, step: string | null = null) => planError(name, step, message);
  if (document === null || typeof document !== 'object') throw fail('the file is not a YAML mapping');
  const { description, parameters = {}, steps, ...rest } = document as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw fail(`unknown field ${Object.keys(rest).join(', ')} (description, parameters, steps)`);
  if (typeof description !== 'string') throw fail('description is missing: say what the role does, for the operator');
  if (typeof parameters !== 'object' || parameters === null) throw fail('parameters is not a mapping');
  if (!Array.isArray(steps) || steps.length === 0) throw fail('steps is not a list of steps');

  const definitions: Record<string, ParameterDefinition> = {};
  for (const [parameter, raw] of Object.entries(parameters as Record<string, unknown>)) {
    const { type, default: fallback } = (raw ?? {}) as { type?: ParameterType; default?: unknown };
    if (!type || !PARAMETER_TYPES.includes(type)) throw fail(`parameter ${parameter}: type is one of ${PARAMETER_TYPES.join(', ')}`);
    if (fallback !== undefined) {
      try {
        checkParameterValue(type, fallback);
      } catch (error) {
        throw fail(`parameter ${parameter}: the default ${(error as Error).message}`);
      }
    }
    definitions[parameter] = { type, ...(fallback === undefined ? {} : { default: fallback }) };
  }

  const readStep = (raw: unknown, index: number): StepDefinition => {
    const fields = (raw ?? {}) as Record<string, unknown>;
    const stepName = typeof fields.name === 'string' ? fields.name : `#${index + 1}`;
    const kinds = Object.keys(fields).filter((field) => !STEP_FIELDS.includes(field));
    if (typeof fields.name !== 'string') throw fail('every step needs a name', stepName);
    if (kinds.length !== 1 || !ACTION_KINDS.includes(kinds[0] as ActionKind)) {
      throw fail(`a step has exactly one of ${ACTION_KINDS.join(', ')} (found ${kinds.join(', ') || 'none'})`, stepName);
    }
    const kind = kinds[0] as ActionKind;
    const body = fields[kind];
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw fail(`${kind} is not a mapping`, stepName);
    for (const field of ['notify', 'whenNotified'] as const) {
      if (fields[field] !== undefined && (typeof fields[field] !== 'string' || !NOTIFICATION.test(fields[field]))) {
        throw fail(`${field} is a notification name (lower case letters, digits and "-")`, stepName);
      }
    }
    if (fields.when !== undefined) {
      const parameter = String(fields.when).replace(/^not /, '');
      if (definitions[parameter]?.type !== 'boolean') throw fail(`when names a boolean parameter (or "not <parameter>"), not ${JSON.stringify(fields.when)}`, stepName);
    }
    try {
      checkIdempotent(kind, body as Record<string, unknown>, fields.whenNotified as string | undefined);
    } catch (error) {
      throw fail((error as Error).message, stepName);
    }
    return {
      name: fields.name,
      kind,
      body: body as Record<string, unknown>,
      ...(fields.when === undefined ? {} : { when: String(fields.when) }),
      ...(fields.notify === undefined ? {} : { notify: fields.notify as string }),
      ...(fields.whenNotified === undefined ? {} : { whenNotified: fields.whenNotified as string }),
    };
  };
  return { name, parameters: definitions, steps: steps.map(readStep) };
}
