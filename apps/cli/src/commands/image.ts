import type { Command } from 'commander';
import { IMAGE_RECIPES, buildImage, imageCacheDir, listRegistry, pushImage } from '@logbook/runtime';
import { formatColumns } from './common';

interface RegistryOpts {
  registry: string;
  username?: string;
  password?: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/** `logbook image build|push|ls`: Logbook's own images, built from this machine's packages without a container engine. */
export function registerImage(program: Command): void {
  const image = program.command('image').description(`build Logbook's own images (${IMAGE_RECIPES.map((r) => `${r.repository}:${r.tag}`).join(', ')}) and push them to a registry`);

  image
    .command('build [names...]')
    .description(`build images as OCI layouts in the cache (${imageCacheDir()}, or $LOGBOOK_IMAGE_CACHE); default: all`)
    .action(async (names: string[]) => {
      for (const name of selected(names)) {
        const built = await buildImage(name, { log: say });
        say(`${built.reference}  ${built.manifestDigest}  ${built.layoutDir}`);
      }
    });

  withRegistry(
    image
      .command('push [names...]')
      .description('build (or take from the cache) and push images to a registry, busybox also as library/busybox:latest for the docker.io mirror'),
  ).action(async (names: string[], opts: RegistryOpts) => {
    const credentials = credentialsOf(opts);
    for (const name of selected(names)) {
      const built = await buildImage(name, { log: say });
      const pushed = await pushImage(built, { registry: opts.registry, credentials, log: say });
      say(`pushed ${pushed.join(', ')}`);
    }
  });

  withRegistry(image.command('ls').description("list a registry's repositories and tags")).action(async (opts: RegistryOpts) => {
    const repos = await listRegistry(opts.registry, credentialsOf(opts));
    if (repos.length === 0) {
      say(`registry ${opts.registry} holds no images yet: logbook image push --registry ${opts.registry}`);
      return;
    }
    process.stdout.write(formatColumns(['repository', 'tags'], repos.map((r) => [`${opts.registry}/${r.repository}`, r.tags.join(', ')])));
  });
}

function withRegistry(cmd: Command): Command {
  return cmd
    .requiredOption('--registry <host:port>', 'the registry (plain http, e.g. 127.0.0.1:5000 from logbook up --registry)')
    .option('--username <user>', 'registry user (a registry with htpasswd auth)')
    .option('--password <password>', 'registry password (default: $LOGBOOK_REGISTRY_PASSWORD)');
}

function credentialsOf(opts: RegistryOpts): { username: string; password: string } | undefined {
  if (!opts.username) return undefined;
  const password = opts.password ?? process.env.LOGBOOK_REGISTRY_PASSWORD;
  if (password === undefined) throw new Error('--username needs --password (or $LOGBOOK_REGISTRY_PASSWORD)');
  return { username: opts.username, password };
}

/** The images named, else every one this machine can build (the python image needs python3-kubernetes). */
function selected(names: string[]): string[] {
  return names.length > 0 ? names : IMAGE_RECIPES.filter((r) => !r.unavailable?.()).map((r) => r.name);
}
