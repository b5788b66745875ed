import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import type { EncryptionSettings, NamedKey, ProviderConfig, ProviderType } from './encryption-config';

/** A data key as the key store holds it: wrapped by one named key of one provider. */
export interface WrappedKey {
  readonly provider: Exclude<ProviderType, 'identity'>;
  readonly keyName: string;
  readonly wrapped: Buffer;
}

export class KeyUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyUnavailable';
  }
}

/**
 * Wraps data keys with the first provider's first key and unwraps them with whichever
 * configured key wrapped them (kube-apiserver's order: the first provider writes, all read).
 * The provider formats are Logbook's own (the wrapped key never leaves the key store):
 * aesgcm nonce(12)‖ciphertext‖tag(16); aescbc iv(16)‖ciphertext (PKCS#7, unauthenticated, as
 * kube's aescbc, which kube advises against); secretbox nonce(24)‖XSalsa20-Poly1305 box.
 */
export class KeyWrapper {
  constructor(private readonly settings: EncryptionSettings) {}

  /** Whether new Secrets are encrypted: the first provider is not identity. */
  get encrypting(): boolean {
    return this.settings.providers[0]?.type !== 'identity';
  }

  /** Whether values written in clear (before encryption, or under identity) may be read. */
  get readsIdentity(): boolean {
    return this.settings.providers.some((p) => p.type === 'identity');
  }

  /** `aesgcm/key2`: what new data keys are wrapped with. */
  get current(): string | undefined {
    const first = this.settings.providers[0];
    return first && first.type !== 'identity' ? `${first.type}/${first.keys[0].name}` : undefined;
  }

  wrap(dek: Buffer): WrappedKey {
    const first = this.settings.providers[0];
    if (!first || first.type === 'identity') throw new KeyUnavailable('the first provider is identity: there is no key to wrap data keys with');
    const key = first.keys[0];
    return { provider: first.type, keyName: key.name, wrapped: seal(first.type, key.secret, dek) };
  }

  unwrap(stored: WrappedKey): Buffer {
    const key = this.find(stored.provider, stored.keyName);
    if (!key) throw new KeyUnavailable(`the data key was wrapped by ${stored.provider} key "${stored.keyName}", which the encryption provider config no longer lists`);
    try {
      return open(stored.provider, key.secret, stored.wrapped);
    } catch {
      throw new KeyUnavailable(`${stored.provider} key "${stored.keyName}" does not unwrap this data key (a different key under the same name?)`);
    }
  }

  private find(type: ProviderType, name: string): NamedKey | undefined {
    return this.settings.providers.filter((p): p is ProviderConfig => p.type === type).flatMap((p) => p.keys).find((k) => k.name === name);
  }
}

function seal(type: WrappedKey['provider'], secret: Buffer, plain: Buffer): Buffer {
  switch (type) {
    case 'aesgcm': {
      const nonce = randomBytes(12);
      const c = createCipheriv(`aes-${secret.length * 8}-gcm` as 'aes-256-gcm', secret, nonce);
      return Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
    }
    case 'aescbc': {
      const iv = randomBytes(16);
      const c = createCipheriv('aes-256-cbc', secret, iv);
      return Buffer.concat([iv, c.update(plain), c.final()]);
    }
    case 'secretbox': {
      const nonce = randomBytes(nacl.secretbox.nonceLength);
      return Buffer.concat([nonce, Buffer.from(nacl.secretbox(plain, nonce, secret))]);
    }
  }
}

function open(type: WrappedKey['provider'], secret: Buffer, sealed: Buffer): Buffer {
  switch (type) {
    case 'aesgcm': {
      const d = createDecipheriv(`aes-${secret.length * 8}-gcm` as 'aes-256-gcm', secret, sealed.subarray(0, 12));
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
    }
    case 'aescbc': {
      const d = createDecipheriv('aes-256-cbc', secret, sealed.subarray(0, 16));
      return Buffer.concat([d.update(sealed.subarray(16)), d.final()]);
    }
    case 'secretbox': {
      const n = nacl.secretbox.nonceLength;
      const plain = nacl.secretbox.open(sealed.subarray(n), sealed.subarray(0, n), secret);
      if (!plain) throw new Error('secretbox: authentication failed');
      return Buffer.from(plain);
    }
  }
}
