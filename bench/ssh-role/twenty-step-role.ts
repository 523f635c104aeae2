import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STEPS = 20;

/**
 * A role of twenty steps as a site's configuration has them: files from a template, folders,
 * links, packages and services, in the proportions of the bundled roles.
 */
export function writeTwentyStepRole(directory: string): string {
  mkdirSync(join(directory, 'templates'), { recursive: true });
  writeFileSync(join(directory, 'templates/setting.conf.hbs'), '# Managed by Hostgraph\n{{#each settings}}\n{{this}} = on\n{{/each}}\nsite = {{site}}\n');
  const steps: string[] = [];
  for (let i = 1; i <= 8; i++) steps.push(`  - name: setting ${i}\n    file: { path: "/etc/bench/conf.d/${i}.conf", template: setting.conf.hbs, mode: "0640" }`);
  for (let i = 1; i <= 4; i++) steps.push(`  - name: folder ${i}\n    directory: { path: "/srv/bench/${i}", mode: "0750" }`);
  for (let i = 1; i <= 3; i++) steps.push(`  - name: link ${i}\n    link: { path: "/etc/bench/enabled/${i}.conf", target: "../conf.d/${i}.conf" }`);
  for (const name of ['nginx', 'php-fpm', 'redis-server']) steps.push(`  - name: package ${name}\n    packages: { install: [${name}] }`);
  for (const name of ['nginx', 'redis-server']) steps.push(`  - name: service ${name}\n    service: { name: ${name}, state: started, enabled: true }`);
  writeFileSync(
    join(directory, 'twenty-steps.yaml'),
    `description: Twenty steps for the ssh-role benchmark.\nparameters:\n  site: { type: dnsName }\n  settings: { type: dnsNames }\nsteps:\n${steps.join('\n')}\n`,
  );
  return 'twenty-steps';
}
