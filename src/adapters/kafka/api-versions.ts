/**
 * Kafka's ApiVersions (API key 18, version 3): which versions of each API a broker offers. findoc writes
 * two requests itself, at fixed versions — Produce v7 (produce.ts, replay) and Fetch v12 (fetch.ts,
 * stream) — so every broker it sends them to is asked once, when first connected (connection.ts
 * CheckedPool), and a broker that lacks one is reported at once (exit 69) instead of failing every request
 * later with an unreadable answer.
 *
 *   ApiVersions Request (Version: 3) => client_software_name:compact_string client_software_version:compact_string TAG_BUFFER
 *   ApiVersions Response (Version: 3) => error_code:int16 [api_key:int16 min_version:int16 max_version:int16 TAG_BUFFER]
 *                                       throttle_time_ms:int32 TAG_BUFFER
 * The response header is v0 (no tagged fields) for every ApiVersions version, so clients can read it
 * before they know anything about the broker.
 */
import { Writer, createAPI, type Reader } from '@platformatic/kafka';
import { FindocError } from '../../core/errors.js';
import { SETTING_NAMES } from '../../core/config.js';
import { errorName } from './errors.js';

export const API_VERSIONS_API_KEY = 18;
export const API_VERSIONS_VERSION = 3;

/** One API as a broker offers it: every version from minVersion to maxVersion. */
export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apis: ApiVersionRange[];
}

/** An API at the one version findoc sends it. */
export interface NeededApi {
  apiKey: number;
  name: string;
  version: number;
}

export function encodeApiVersionsRequest(clientName = 'findoc', clientVersion = '0'): Writer {
  return Writer.create().appendString(clientName).appendString(clientVersion).appendTaggedFields();
}

/** Parses an ApiVersions v3 response body (the shape of @platformatic/kafka's parseResponse callbacks). */
export function parseApiVersionsResponse(_correlationId: number, _apiKey: number, _apiVersion: number, r: Reader): ApiVersionsResponse {
  const errorCode = r.readInt16();
  const apis: ApiVersionRange[] = [];
  const count = r.readUnsignedVarInt() - 1;
  for (let i = 0; i < count; i++) {
    apis.push({ apiKey: r.readInt16(), minVersion: r.readInt16(), maxVersion: r.readInt16() });
    skipTaggedFields(r);
  }
  // throttle_time_ms and the trailing tagged fields carry nothing findoc uses.
  return { errorCode, apis };
}

function skipTaggedFields(r: Reader): void {
  const n = r.readUnsignedVarInt();
  for (let i = 0; i < n; i++) {
    r.readUnsignedVarInt(); // tag
    r.skip(r.readUnsignedVarInt());
  }
}

export const apiVersionsApi = createAPI<[Writer], ApiVersionsResponse>(
  API_VERSIONS_API_KEY,
  API_VERSIONS_VERSION,
  (w) => w,
  parseApiVersionsResponse,
  true,
  false,
);

/** "v7", "v3–v12", or "none" for an API the broker does not offer at all. */
export function offeredVersions(offered: readonly ApiVersionRange[], apiKey: number): string {
  const range = offered.find((a) => a.apiKey === apiKey);
  if (!range) return 'none';
  return range.minVersion === range.maxVersion ? `v${range.minVersion}` : `v${range.minVersion}–v${range.maxVersion}`;
}

/**
 * null when the broker at `address` offers every needed API at the needed version; otherwise the error
 * to stop with (exit 69), naming the broker, the API, the version findoc needs and those it offers.
 */
export function checkApiVersions(address: string, response: ApiVersionsResponse, needed: readonly NeededApi[]): FindocError | null {
  const hint = 'findoc needs a Kafka broker that still accepts these versions (Kafka 2.7 … 4.x do); check the address or set ' + SETTING_NAMES.kafka;
  if (response.errorCode !== 0) {
    return new FindocError('FINDOC_SERVICE_UNAVAILABLE', `Kafka at ${address} refused ApiVersions v${API_VERSIONS_VERSION} (${errorName(response.errorCode)})`, {
      service: 'Kafka',
      address,
      setting: SETTING_NAMES.kafka,
      hint,
    });
  }
  const missing = needed.filter((n) => {
    const range = response.apis.find((a) => a.apiKey === n.apiKey);
    return !range || n.version < range.minVersion || n.version > range.maxVersion;
  });
  if (missing.length === 0) return null;
  const what = missing.map((n) => `${n.name} v${n.version} (API key ${n.apiKey}; the broker offers ${offeredVersions(response.apis, n.apiKey)})`).join(', ');
  return new FindocError('FINDOC_SERVICE_UNAVAILABLE', `Kafka at ${address} does not offer ${what}, which findoc sends`, {
    service: 'Kafka',
    address,
    setting: SETTING_NAMES.kafka,
    hint,
  });
}
