import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WorkQueue } from './queue.ts';

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const queue = new WorkQueue({ concurrency: 1 });
    const seen: string[] = [];
    for (const key of ['a', 'b', 'a', 'a', 'b']) queue.add(key);
    expect(queue.depth).toBe(2);
    queue.start(async (key) => {
      seen.push(key);
    });
    await sleep(20);
    await queue.stop();
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs one key twice at once, and reruns it when it changed meanwhile', async () => {
    const queue = new WorkQueue({ concurrency: 4 });
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    queue.start(async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(30);
      running--;
    });
    queue.add('tenant');
    await sleep(5);
    queue.add('tenant'); // arrives while processing
    queue.add('tenant');
    await sleep(100);
    await queue.stop();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('bounds concurrency across keys', async () => {
    const queue = new WorkQueue({ concurrency: 2 });
    let running = 0;
    let maxRunning = 0;
    queue.start(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(20);
      running--;
    });
    for (const key of ['a', 'b', 'c', 'd', 'e']) queue.add(key);
    await sleep(100);
    await queue.stop();
    expect(maxRunning).toBe(2);
  });

  it('retries a failing key with exponential backoff, and resets it after a success', async () => {
    const queue = new WorkQueue({ concurrency: 1, baseDelayMs: 10, maxDelayMs: 40 });
    const attempts: number[] = [];
    let failuresLeft = 4;
    queue.start(async () => {
      attempts.push(Date.now());
      if (failuresLeft-- > 0) throw new Error('transient');
    });
    queue.add('flaky');
    await sleep(250);
    await queue.stop();
    expect(attempts).toHaveLength(5);
    const gaps = attempts.slice(1).map((time, index) => time - attempts[index]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[1]).toBeGreaterThanOrEqual(19);
    expect(gaps[2]).toBeGreaterThanOrEqual(39);
    expect(queue.backoffFor('flaky')).toBe(10); // a success resets the key's backoff
  });

  it('caps the backoff', async () => {
    const queue = new WorkQueue({ concurrency: 1, baseDelayMs: 5, maxDelayMs: 20 });
    queue.start(async () => {
      throw new Error('always');
    });
    queue.add('broken');
    await sleep(150);
    await queue.stop();
    expect(queue.backoffFor('broken')).toBe(20);
  });

  it('requeues a key after the delay the handler asks for', async () => {
    const queue = new WorkQueue({ concurrency: 1 });
    let runs = 0;
    queue.start(async () => (++runs < 3 ? { requeueAfterMs: 10 } : undefined));
    queue.add('settling');
    await sleep(100);
    await queue.stop();
    expect(runs).toBe(3);
  });

  it('reports its depth', () => {
    const depths: number[] = [];
    const queue = new WorkQueue({ concurrency: 1, onDepthChange: (depth) => depths.push(depth) });
    queue.add('a');
    queue.add('b');
    expect(depths).toEqual([1, 2]);
  });
});
