/**
 * SPDY/3.1 as Kubernetes' streaming protocols use it (remotecommand and portforward): frames,
 * header compression and sessions for either end — the node agent serves kubectl with the
 * server side, the CRI runtime speaks to containerd's streaming server with the client side.
 * SocketConnection is the base it shares with the node agent's WebSocket server.
 */
export { SpdySession, SpdyStream } from './session';
export { type Frame, FrameParser, RstStatus, SpdyProtocolError, decodeFrame, encodeFrame } from './frames';
export { HeaderCompression, type SpdyHeaders, decodeHeaderBlock, encodeHeaderBlock } from './header-block';
export { SocketConnection } from './socket-connection';
