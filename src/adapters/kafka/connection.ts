/**
 * Connections to the brokers for the requests findoc writes itself (Produce, Fetch, ApiVersions), over
 * @platformatic/kafka's connections (TLS and SASL configured from the same settings kafkajs gets in
 * admin.ts). A broker is asked its versions once, when first connected (api-versions.ts), so a broker
 * that lacks a version findoc hard-codes is reported at connect time, naming itself, the API and the
 * versions it offers (exit 69).
 */
import { ConnectionPool, type Broker, type Connection } from '@platformatic/kafka';
import type { KafkaSettings } from '../../core/config.js';
import { apiVersionsApi, checkApiVersions, encodeApiVersionsRequest, type NeededApi } from './api-versions.js';

/**
 * Connection options for @platformatic/kafka (the replay producer's and the stream consumer's
 * connections) from the same settings kafkajs gets (admin.ts), so TLS and SASL are configured once.
 */
export function kafkaConnectionOptions(settings: KafkaSettings, connectTimeoutMs = 3000) {
  return {
    connectTimeout: connectTimeoutMs,
    tls: settings.ssl ? {} : undefined,
    sasl: settings.sasl
      ? { mechanism: settings.sasl.mechanism.toUpperCase() as 'PLAIN', username: settings.sasl.username, password: settings.sasl.password }
      : undefined,
  };
}

/** How long the ApiVersions answer may take (it is the first request on a connection). */
const API_VERSIONS_TIMEOUT_MS = 10_000;

/**
 * A pool of one connection per broker whose first use checks the broker's versions. The check is done
 * once per broker address for the pool's life (a reconnect after a broker restart is not checked again:
 * the same address runs the same Kafka, and an upgrade mid-run is caught by the next process).
 */
export class CheckedPool {
  private readonly pool: ConnectionPool;
  private readonly checked = new Map<string, Promise<void>>();

  constructor(
    settings: KafkaSettings,
    connection: ReturnType<typeof kafkaConnectionOptions>,
    private readonly needed: readonly NeededApi[],
  ) {
    this.pool = new ConnectionPool(settings.clientId, connection);
  }

  async get(broker: Broker): Promise<Connection> {
    const connection = await this.pool.get(broker);
    const address = `${broker.host}:${broker.port}`;
    let check = this.checked.get(address);
    if (!check) {
      check = this.check(connection, address);
      this.checked.set(address, check);
      // A check that failed on the way (connection lost) is tried again on the next get(); a broker that
      // answered without the versions stays refused.
      check.catch(() => undefined);
    }
    await check;
    return connection;
  }

  private async check(connection: Connection, address: string): Promise<void> {
    let response;
    try {
      response = await withTimeout(apiVersionsApi.async(connection, encodeApiVersionsRequest()), API_VERSIONS_TIMEOUT_MS, 'no ApiVersions answer');
    } catch (e) {
      this.checked.delete(address);
      throw e;
    }
    const refused = checkApiVersions(address, response, this.needed);
    if (refused) throw refused;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what = 'no answer'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
