/**
 * The character rules of the queues a message must pass, written from
 * their documentation (not from the emulator's code):
 *
 * - Amazon SQS (SendMessage, MessageBody): "A message can include only XML,
 *   JSON, and unformatted text. The following Unicode characters are
 *   allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD |
 *   #x10000 to #x10FFFF. Any characters not included in this list will be
 *   rejected." The rule is on Unicode code points of the UTF-8 body, so a
 *   lone surrogate (not a code point UTF-8 can carry) is refused as well.
 * - The local emulator (fauxqs) applies the same list without the last
 *   range: nothing beyond the BMP.
 */
/** True when every code point is in SQS's documented set. */
export function realSqsAccepts(body: string): boolean {
  for (let i = 0; i < body.length; i++) {
    const unit = body.charCodeAt(i);
    let cp = unit;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = body.charCodeAt(i + 1);
      if (!(low >= 0xdc00 && low <= 0xdfff)) return false; // lone high surrogate
      cp = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return false; // lone low surrogate
    const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) return false;
  }
  return true;
}

/** The emulator's stricter set: the same ranges, Basic Multilingual Plane only. */
export function emulatorAccepts(body: string): boolean {
  return [...body].every((ch) => {
    const cp = ch.codePointAt(0)!;
    return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd);
  });
}


/** A queue's `acceptBody` hook that refuses what either queue would, as SQS does (InvalidMessageContents). */
export function refuseLikeSqs(body: string): void {
  if (!realSqsAccepts(body)) throw new Error('InvalidMessageContents: invalid characters for Amazon SQS');
  if (!emulatorAccepts(body)) throw new Error('InvalidMessageContents: invalid characters for the SQS emulator');
}
