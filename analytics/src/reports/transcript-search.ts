import type { AnalyticsStore } from '../clickhouse/analytics-store.ts';

/**
 * Recordings whose transcript says `text` (case-insensitive, anywhere in a segment), newest first:
 * QA staff find calls by what was said. Reads the transcript_segments facts.
 */
export async function searchTranscripts(store: AnalyticsStore, orgId: string, text: string, limit = 500): Promise<{ recordingId: string; hits: number }[]> {
  const result = await store.client.query({
    query: `SELECT recording_id, count() AS hits, max(at) AS last
            FROM ${store.database}.transcript_segments
            WHERE org_id = {org:String} AND positionCaseInsensitiveUTF8(text, {text:String}) > 0
            GROUP BY recording_id ORDER BY last DESC LIMIT {limit:UInt32}`,
    query_params: { org: orgId, text, limit },
    format: 'JSONEachRow',
  });
  const rows = (await result.json()) as { recording_id: string; hits: string | number }[];
  return rows.map((r) => ({ recordingId: r.recording_id, hits: Number(r.hits) }));
}
