import { describe, expect, it } from 'vitest';
import type { DecisionCandidate } from './acd-events.ts';
import { acdEventToRecord, STORED_CANDIDATES } from './acd-rows.ts';

describe('routing decisions as rows', () => {
  it('keeps every candidate of a small decision, and of a big one the eligible first (best first) up to the cap, with full counts', () => {
    const candidates: DecisionCandidate[] = Array.from({ length: 120 }, (_, i) =>
      i % 3 === 0 ? { agentId: `a${i}`, contactId: 'c', queueId: 'q', eligible: true, score: i } : { agentId: `a${i}`, contactId: 'c', queueId: 'q', eligible: false, reason: 'capacity' },
    );
    const decision = { type: 'routing.decision' as const, at: 1, trigger: 'contact-arrived' as const, contactId: 'c', agentId: 'a117', queueId: 'q', strategy: 'longest-idle', relaxationStep: -1, chosenAgentIds: ['a117'], chosenContactId: 'c', tieBreak: 'score' };
    const envelope = { event_id: '01234567-89ab-7def-8123-456789abcdef', org_id: 'o', ingested_at: 2 };

    const big = acdEventToRecord({ ...decision, candidates }, envelope).row as Record<string, unknown>;
    const stored = JSON.parse(big.candidates as string) as DecisionCandidate[];
    expect(stored).toHaveLength(STORED_CANDIDATES);
    // 40 eligible (every third of 120), best score first, then excluded ones fill the rest.
    expect(stored.slice(0, 3).map((c) => c.agentId)).toEqual(['a117', 'a114', 'a111']);
    expect(stored.filter((c) => c.eligible)).toHaveLength(40);
    expect(big).toMatchObject({ candidates_count: 120, excluded_count: 80 });

    const small = acdEventToRecord({ ...decision, candidates: candidates.slice(0, 5) }, envelope).row as Record<string, unknown>;
    expect(JSON.parse(small.candidates as string)).toEqual(candidates.slice(0, 5));
  });
});
