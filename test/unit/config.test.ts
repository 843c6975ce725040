import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

const valid = {
  JWT_SECRET: 'j'.repeat(32),
  PLATFORM_ADMIN_KEY: 'p'.repeat(32),
};

function errorOf(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('loadConfig accepted an invalid environment');
}

describe('loadConfig', () => {
  it('names every missing variable in one error', () => {
    const message = errorOf({});
    expect(message).toMatch(/^Invalid configuration:/);
    expect(message).toMatch(/JWT_SECRET: missing/);
    expect(message).toMatch(/PLATFORM_ADMIN_KEY: missing/);
  });

  it('names only what is missing, and says why an invalid value is refused', () => {
    const onlyKey = errorOf({ JWT_SECRET: valid.JWT_SECRET });
    expect(onlyKey).toMatch(/PLATFORM_ADMIN_KEY: missing/);
    expect(onlyKey).not.toMatch(/JWT_SECRET/);

    const short = errorOf({ ...valid, JWT_SECRET: 'too-short' });
    expect(short).toContain('JWT_SECRET: JWT_SECRET must be at least 32 characters');
    expect(short).not.toContain('missing');
    // The secret itself never appears in the error.
    expect(short).not.toContain('too-short');
  });

  it('refuses unsafe settings', () => {
    expect(errorOf({ ...valid, ACCESS_TOKEN_TTL_SECONDS: '3600' })).toContain('ACCESS_TOKEN_TTL_SECONDS');
    expect(errorOf({ ...valid, BCRYPT_COST: '8' })).toContain('BCRYPT_COST');
    expect(errorOf({ ...valid, NODE_ENV: 'staging' })).toContain('NODE_ENV');
    expect(errorOf({ ...valid, APP_URL: 'not a url' })).toContain('APP_URL');
  });

  it('accepts a valid environment and fills the defaults', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      JWT_SECRET: valid.JWT_SECRET,
      PLATFORM_ADMIN_KEY: valid.PLATFORM_ADMIN_KEY,
      ACCESS_TOKEN_TTL_SECONDS: 900,
      BCRYPT_COST: 10,
      BASE_DOMAIN: 'localhost',
      CORS_ORIGINS: [],
      TRUSTED_PROXIES: [],
      RATE_LIMIT_LOGIN_PER_EMAIL: 5,
      RATE_LIMIT_LOGIN_WINDOW_SECONDS: 900,
    });
  });

  it('coerces numbers and splits lists', () => {
    const config = loadConfig({
      ...valid,
      NODE_ENV: 'production',
      ACCESS_TOKEN_TTL_SECONDS: '600',
      BCRYPT_COST: '12',
      BASE_DOMAIN: 'crm.example.com',
      TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2,,',
      CORS_ORIGINS: 'https://app.example.com',
    });
    expect(config.NODE_ENV).toBe('production');
    expect(config.ACCESS_TOKEN_TTL_SECONDS).toBe(600);
    expect(config.BCRYPT_COST).toBe(12);
    expect(config.BASE_DOMAIN).toBe('crm.example.com');
    expect(config.TRUSTED_PROXIES).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(config.CORS_ORIGINS).toEqual(['https://app.example.com']);
  });
});
