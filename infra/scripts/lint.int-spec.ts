import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** The lint step runs with the suite, so CI enforces it: ESLint, and the import rules of STYLE.md. */
describe('lint', () => {
  it('passes ESLint and the dependency-cruiser import rules (libs never import apps, apps never import each other)', () => {
    const result = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/.bin/eslint'), 'apps', 'libs'], { cwd: ROOT, encoding: 'utf8' });
    // The output rides along so a failure shows what ESLint said.
    expect({ status: result.status, output: result.stdout + result.stderr }).toMatchObject({ status: 0 });
    const cruise = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/.bin/depcruise'), 'apps', 'libs', '--config', '.dependency-cruiser.js'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: cruise.status, output: cruise.stdout + cruise.stderr }).toMatchObject({ status: 0 });
  }, 120_000);

  it('type-checks everything, tests included (the build leaves test files out, swc does not check types)', () => {
    const result = spawnSync(process.execPath, [resolve(ROOT, 'node_modules/.bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout + result.stderr }).toMatchObject({ status: 0 });
  }, 180_000);
});
