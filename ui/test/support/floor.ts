import type { LiveOrganisation } from '../../server/contact-center/live-organisation.ts';

/** Every agent signed off and nothing left waiting or offered: the next test starts on an empty floor. */
export async function clearFloor(org: LiveOrganisation): Promise<void> {
  for (const id of org.engine.inspect().agents.keys()) await org.apply(() => org.engine.disconnectAgent(id));
  for (const [id, c] of org.engine.inspect().contacts) if (c.phase === 'waiting' || c.phase === 'offered') await org.apply(() => org.engine.endContact(id));
}
