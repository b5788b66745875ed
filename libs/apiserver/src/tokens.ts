/** Nest injection tokens of the API server's ports. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const PROJECTOR = Symbol('PROJECTOR');
export const API_OPTIONS = Symbol('API_OPTIONS');
export const LOGGER = Symbol('LOGGER');
export const AUTHORIZER = Symbol('AUTHORIZER');
