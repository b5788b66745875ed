import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { ValidationSeverity, validate } from 'dockerfile-utils';

/**
 * What is wrong with a Dockerfile: the findings of dockerfile-utils (the linter of VS Code's
 * Docker extension: syntax, flags, instruction arguments), then the rules hadolint would apply
 * to this project's image, written out because no maintained npm package runs hadolint:
 * base images pinned to a full version, a non-root USER, an exec-form ENTRYPOINT and a
 * HEALTHCHECK in the final stage, and COPY sources that exist and that .dockerignore lets in.
 */
export function dockerfileProblems(text: string, context: { root: string; dockerignore: string }): string[] {
  const problems = validate(text, {
    instructionCmdMultiple: ValidationSeverity.ERROR,
    instructionEntrypointMultiple: ValidationSeverity.ERROR,
    instructionHealthcheckMultiple: ValidationSeverity.ERROR,
    instructionWorkdirRelative: ValidationSeverity.ERROR,
  }).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);

  const dockerfile = DockerfileParser.parse(text);
  const args = new Map(dockerfile.getInitialARGs().map((arg) => [arg.getProperty()?.getName() ?? '', arg.getProperty()?.getValue() ?? '']));
  const stages = new Set<string>();
  for (const from of dockerfile.getFROMs()) {
    const image = (from.getImage() ?? '').replace(/\$\{?(\w+)\}?/g, (_, name: string) => args.get(name) ?? '');
    if (!stages.has(image) && !/:\d+\.\d+\.\d+[^:/]*$|@sha256:[0-9a-f]{64}$/.test(image)) problems.push(`FROM ${image}: pin the base image to a full version`);
    const stage = from.getBuildStage();
    if (stage) stages.add(stage);
  }

  const finalStage = instructionsOfLastStage(dockerfile.getInstructions());
  const users = finalStage.filter((i) => i.getKeyword() === 'USER').map((i) => i.getArgumentsContent() ?? '');
  const user = users.at(-1);
  if (!user || /^(root|0)(:|$)/.test(user)) problems.push('the final stage must switch to a non-root USER');
  const entrypoint = finalStage.filter((i) => i.getKeyword() === 'ENTRYPOINT').at(-1);
  if (!entrypoint || !(entrypoint.getArgumentsContent() ?? '').trim().startsWith('[')) problems.push('the final stage needs an exec-form (JSON) ENTRYPOINT');
  const healthcheck = finalStage.filter((i) => i.getKeyword() === 'HEALTHCHECK').at(-1);
  if (!healthcheck || /^NONE\b/i.test(healthcheck.getArgumentsContent() ?? '')) problems.push('the final stage needs a HEALTHCHECK');

  const ignored = dockerignoreMatchers(context.dockerignore);
  for (const copy of dockerfile.getInstructions().filter((i) => i.getKeyword() === 'COPY')) {
    // Files of an earlier stage are not the build context's.
    if (copy instanceof Copy && copy.getFromFlag()) continue;
    const words = copy.getArguments().map((a) => a.getValue());
    for (const source of words.filter((w) => !w.startsWith('--')).slice(0, -1)) {
      if (!existsSync(join(context.root, source))) problems.push(`COPY ${source}: no such file in the build context`);
      else if (ignored.some((matches) => matches(source))) problems.push(`COPY ${source}: .dockerignore leaves it out of the build context`);
    }
  }
  return problems;
}

function instructionsOfLastStage(instructions: Instruction[]): Instruction[] {
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  return instructions.slice(lastFrom + 1);
}

/** .dockerignore patterns as predicates on a context path (`**`, `*`, and a bare name also covering what is below it). */
function dockerignoreMatchers(text: string): Array<(path: string) => boolean> {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'))
    .map((pattern) => {
      const body = pattern
        .replace(/^\/+|\/+$/g, '')
        .split('**/')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
        .join('(?:.*/)?');
      const regex = new RegExp(`^${body}(?:/.*)?$`);
      return (path: string) => regex.test(path.replace(/^\.\/|\/+$/g, ''));
    });
}

/** The value of `ARG name=value` before the first FROM. */
export function initialArg(text: string, name: string): string | undefined {
  const arg = DockerfileParser.parse(text)
    .getInitialARGs()
    .find((a) => a.getProperty()?.getName() === name);
  return arg?.getProperty()?.getValue() ?? undefined;
}
