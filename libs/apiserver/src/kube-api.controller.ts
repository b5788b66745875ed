import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeApiHandler } from './kube-api.handler';

/**
 * Nest owns the process wiring; the Kubernetes URL grammar (nested namespaces, subresources,
 * watch streams, four patch dialects) is routed by KubeApiHandler, so every path lands here.
 */
@Controller()
export class KubeApiController {
  constructor(@Inject(KubeApiHandler) private readonly handler: KubeApiHandler) {}

  @All(['/', '*path'])
  async handle(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    await this.handler.handle(req, res);
  }
}
