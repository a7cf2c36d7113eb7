/** What orders a queue's line: priority (higher first), then enqueue time, then arrival sequence. */
export interface Waiting {
  id: string;
  priority: number;
  enqueuedAt: number;
  seq: number;
}

export function waitsBefore(a: Waiting, b: Waiting): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
  return a.seq < b.seq;
}

/**
 * One queue's waiting contacts in line order. A sorted array: insertion is a binary search and
 * a splice, which stays cheap for the thousands a single queue holds at most.
 */
export class WaitingList<T extends Waiting> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Inserts in line order; returns the 1-based position. A re-queued contact gets its old place back. */
  insert(item: T): number {
    const index = this.firstNotBefore(item);
    this.items.splice(index, 0, item);
    return index + 1;
  }

  remove(item: T): boolean {
    const index = this.indexOf(item);
    if (index < 0) return false;
    this.items.splice(index, 1);
    return true;
  }

  /** 1-based place in line, or 0 when not waiting here. */
  position(item: T): number {
    return this.indexOf(item) + 1;
  }

  first(): T | undefined {
    return this.items[0];
  }

  /** The contact at a 0-based place in line (hot loops index instead of iterating). */
  at(index: number): T | undefined {
    return this.items[index];
  }

  *inOrder(limit = Infinity): Generator<T> {
    const end = Math.min(limit, this.items.length);
    for (let i = 0; i < end; i += 1) yield this.items[i]!;
  }

  /** Binary search: the first place whose occupant does not wait before the item. */
  private firstNotBefore(item: T): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (waitsBefore(this.items[mid]!, item)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private indexOf(item: T): number {
    // From the first slot not before the item, step over equals until the same id.
    for (let i = this.firstNotBefore(item); i < this.items.length; i += 1) {
      if (this.items[i]!.id === item.id) return i;
      if (waitsBefore(item, this.items[i]!)) break;
    }
    return -1;
  }
}
