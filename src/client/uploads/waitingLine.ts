/**
 * The uploads waiting for a slot, in the order they were added: a binary heap by seq,
 * so taking the next one costs log n however many files a drop brought (a queue of
 * 10,000 small files behind one large one is not scanned again at every start). Entries
 * are checked when taken: one whose upload stopped waiting (paused, cancelled) is
 * dropped then, and an upload put back in line twice is taken once.
 */
export class WaitingLine<T extends { seq: number }> {
  private readonly heap: { item: T; ticket: number }[] = [];
  private readonly tickets = new Map<T, number>();
  private counter = 0;

  /** Puts `item` in line (again); an earlier place of it is given up. */
  push(item: T): void {
    const ticket = ++this.counter;
    this.tickets.set(item, ticket);
    this.heap.push({ item, ticket });
    this.up(this.heap.length - 1);
  }

  /** The first item in line for which `waiting` holds; the others met before it leave the line. */
  take(waiting: (item: T) => boolean): T | null {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      this.removeTop();
      if (this.tickets.get(top.item) !== top.ticket) continue;
      this.tickets.delete(top.item);
      if (waiting(top.item)) return top.item;
    }
    return null;
  }

  clear(): void {
    this.heap.length = 0;
    this.tickets.clear();
  }

  private removeTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.down(0);
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.item.seq < y.item.seq || (x.item.seq === y.item.seq && x.ticket < y.ticket);
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a]!;
    this.heap[a] = this.heap[b]!;
    this.heap[b] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.heap.length && this.before(l, best)) best = l;
      if (r < this.heap.length && this.before(r, best)) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}
