/** A min-heap of timers by (time, insertion order): due timers fire in a deterministic order. */
export interface Timer<T> {
  at: number;
  seq: number;
  payload: T;
}

export class TimerHeap<T> {
  private readonly items: Timer<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(at: number, payload: T): void {
    const item = { at, seq: this.seq++, payload };
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  peek(): Timer<T> | undefined {
    return this.items[0];
  }

  pop(): Timer<T> | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && this.less(items[left]!, items[smallest]!)) smallest = left;
        if (right < items.length && this.less(items[right]!, items[smallest]!)) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest]!, items[i]!];
        i = smallest;
      }
    }
    return top;
  }

  private less(a: Timer<T>, b: Timer<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}
