export * as quantity from './quantity';
export { type Quantity } from './quantity';
export * from './usage';
