import { partitionForKey } from './partitioner';

// kafkajs' own murmur2: the embedded bus must route keys exactly as Kafka clients do.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number;

describe('partitionForKey', () => {
  test.each(['default/web-0', 'kube-system/coredns', '', 'ü/ñ', 'a', 'ab', 'abc', 'abcd', 'abcde'])('matches kafkajs for %p', (key) => {
    for (const partitions of [1, 3, 6, 12]) {
      expect(partitionForKey(key, partitions)).toBe((kafkajsMurmur2(Buffer.from(key)) & 0x7fffffff) % partitions);
    }
  });
});
