import { describe, expect, it } from 'vitest';
import { FaultPicker, parseFaults, parseFaultScript } from '../../src/sim/faults.js';

describe('parseFaults', () => {
  it('reads KIND=SHARE lists, percentages and KIND:SHARE', () => {
    expect(parseFaults('429=0.1,500=0.05,503=0.02,reset=0.02,stall=0.01,truncate=0.01,error=0.01')).toEqual([
      { kind: '429', share: 0.1 }, { kind: '500', share: 0.05 }, { kind: '503', share: 0.02 }, { kind: 'reset', share: 0.02 },
      { kind: 'stall', share: 0.01 }, { kind: 'truncate', share: 0.01 }, { kind: 'error', share: 0.01 },
    ]);
    expect(parseFaults('502:5%, quota=0')).toEqual([{ kind: '502', share: 0.05 }]);
    expect(parseFaults('none')).toEqual([]);
  });

  it.each([
    ['418=2', /invalid share '2'/],
    ['boom=0.1', /unknown fault 'boom'/],
    ['200=0.1', /unknown fault '200'/],
    ['500', /write KIND=SHARE/],
    ['500=0.6,429=0.5', /add up to 1\.1/],
  ])('refuses %s', (text, message) => {
    expect(() => parseFaults(text)).toThrow(message);
  });
});

describe('parseFaultScript', () => {
  it('expands repeats and accepts the separators usable inside a --profile', () => {
    expect(parseFaultScript('429,429,ok')).toEqual(['429', '429', 'ok']);
    expect(parseFaultScript('500*3,ok')).toEqual(['500', '500', '500', 'ok']);
    expect(parseFaultScript('reset/stall+truncate;error')).toEqual(['reset', 'stall', 'truncate', 'error']);
    expect(() => parseFaultScript('429,nope')).toThrow(/unknown fault-script step 'nope'/);
  });
});

function draw(p: FaultPicker, n: number): Array<string | null> {
  return Array.from({ length: n }, () => p.next());
}

describe('FaultPicker', () => {
  const shares = parseFaults('429=0.1,500=0.05,reset=0.02,stall=0.01');

  it('gives the same outcomes for the same seed, different ones for another seed', () => {
    const a = draw(new FaultPicker(42, shares), 2000);
    expect(draw(new FaultPicker(42, shares), 2000)).toEqual(a);
    expect(draw(new FaultPicker(43, shares), 2000)).not.toEqual(a);
  });

  it('hits each kind about as often as its share', () => {
    const out = draw(new FaultPicker(9, shares), 20_000);
    const share = (k: string | null) => out.filter((x) => x === k).length / out.length;
    expect(share('429')).toBeCloseTo(0.1, 1);
    expect(share('500')).toBeGreaterThan(0.035);
    expect(share('500')).toBeLessThan(0.065);
    expect(share('reset')).toBeGreaterThan(0.01);
    expect(share('reset')).toBeLessThan(0.03);
    expect(share(null)).toBeGreaterThan(0.78);
  });

  it('plays the script first, then the shares, without shifting the random sequence', () => {
    const plain = draw(new FaultPicker(5, shares), 50);
    const scripted = draw(new FaultPicker(5, shares, parseFaultScript('429,500*2,ok')), 50);
    expect(scripted.slice(0, 4)).toEqual(['429', '500', '500', null]);
    expect(scripted.slice(4)).toEqual(plain.slice(4));
  });

  it('with no shares and no script never faults; setScript restarts the script', () => {
    const p = new FaultPicker(1);
    expect(draw(p, 100).every((x) => x === null)).toBe(true);
    p.setScript(parseFaultScript('stall'));
    expect(draw(p, 3)).toEqual(['stall', null, null]);
  });
});
