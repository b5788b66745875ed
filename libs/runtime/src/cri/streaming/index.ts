export { openRemoteCommand, REMOTE_COMMAND_V4, type RemoteCommandOptions } from './remote-command';
export { openPortForward, PORT_FORWARD_PROTOCOL } from './port-forward';
export { exitCodeOf } from './exit-status';
