package dev.jtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.artifact.Truncation;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Which ids each strategy keeps of hand-made sequences: [CLS]=101, content tokens 1..n, [SEP]=102,
 * so every kept position says which content token it is.
 */
class TokenTruncationTest {
  static final int CLS = 101, SEP = 102;

  /** [CLS] 1 2 ... n [SEP]. */
  static int[] sequence(int n) {
    return IntStream.concat(IntStream.concat(IntStream.of(CLS), IntStream.rangeClosed(1, n)), IntStream.of(SEP)).toArray();
  }

  /** [CLS] + the given content ids + [SEP]. */
  static int[] kept(int... content) {
    return IntStream.concat(IntStream.concat(IntStream.of(CLS), IntStream.of(content)), IntStream.of(SEP)).toArray();
  }

  static int[] range(int from, int to) {
    return IntStream.rangeClosed(from, to).toArray();
  }

  static int[] concat(int[] a, int[] b) {
    return IntStream.concat(IntStream.of(a), IntStream.of(b)).toArray();
  }

  @Test
  void aSequenceOfExactlyMaxSeqLenIsKeptAsItIsByEveryStrategy() {
    int[] ids = sequence(8); // 10 ids
    for (TokenTruncation t : new TokenTruncation[] {TokenTruncation.head(10), TokenTruncation.of(Truncation.TAIL, 10, -1),
        TokenTruncation.of(Truncation.HEAD_TAIL, 10, 3)}) {
      assertSame(ids, t.apply(ids), t.toString());
    }
    assertArrayEquals(sequence(2), TokenTruncation.of(Truncation.TAIL, 10, -1).apply(sequence(2)), "a short text too");
  }

  @Test
  void oneTokenTooManyDropsTheLastTheFirstOrTheFirstAfterTheHead() {
    int[] ids = sequence(9); // 11 ids, max 10: one content token goes
    assertArrayEquals(kept(range(1, 8)), TokenTruncation.head(10).apply(ids));
    assertArrayEquals(kept(range(2, 9)), TokenTruncation.of(Truncation.TAIL, 10, -1).apply(ids));
    assertArrayEquals(kept(1, 2, 3, 5, 6, 7, 8, 9), TokenTruncation.of(Truncation.HEAD_TAIL, 10, 3).apply(ids));
  }

  @Test
  void aMuchLongerSequenceKeepsHeadAndTailAroundTheCut() {
    int[] ids = sequence(1000);
    assertArrayEquals(kept(range(1, 8)), TokenTruncation.head(10).apply(ids));
    assertArrayEquals(kept(range(993, 1000)), TokenTruncation.of(Truncation.TAIL, 10, -1).apply(ids));
    assertArrayEquals(kept(concat(range(1, 3), range(996, 1000))), TokenTruncation.of(Truncation.HEAD_TAIL, 10, 3).apply(ids));
    // the split of Sun et al.: 128 + 382 of 510
    int[] sun = TokenTruncation.of(Truncation.HEAD_TAIL, 512, -1).apply(ids);
    assertArrayEquals(kept(concat(range(1, 128), range(619, 1000))), sun);
  }

  @Test
  void headTokensAtTheirLimitsKeepOneTokenOnTheOtherSide() {
    int[] ids = sequence(50);
    assertArrayEquals(kept(concat(new int[] {1}, range(44, 50))), new TokenTruncation(Truncation.HEAD_TAIL, 10, 1).apply(ids));
    assertArrayEquals(kept(concat(range(1, 7), new int[] {50})), new TokenTruncation(Truncation.HEAD_TAIL, 10, 7).apply(ids));
    assertArrayEquals(kept(1, 50), new TokenTruncation(Truncation.HEAD_TAIL, 4, 1).apply(ids), "the smallest head+tail window");
    for (int bad : new int[] {0, 8, -1, 100}) {
      String m = assertThrows(IllegalArgumentException.class, () -> new TokenTruncation(Truncation.HEAD_TAIL, 10, bad)).getMessage();
      assertTrue(m.contains("between 1 and 7"), m);
    }
    String m = assertThrows(IllegalArgumentException.class, () -> TokenTruncation.of(Truncation.HEAD_TAIL, 3, -1)).getMessage();
    assertTrue(m.contains("max_seq_len >= 4"), m);
  }

  @Test
  void theSpecialTokensStayAtBothEndsWhateverTheyAre() {
    int[] ids = {7, 20, 21, 22, 23, 24, 25, 9};
    for (TokenTruncation t : new TokenTruncation[] {TokenTruncation.head(5), TokenTruncation.of(Truncation.TAIL, 5, -1),
        TokenTruncation.of(Truncation.HEAD_TAIL, 5, 1)}) {
      int[] out = t.apply(ids);
      assertEquals(5, out.length, t.toString());
      assertEquals(7, out[0], t.toString());
      assertEquals(9, out[4], t.toString());
    }
    assertArrayEquals(new int[] {7, 9}, TokenTruncation.head(2).apply(ids), "max_seq_len 2 keeps only the special tokens");
    assertArrayEquals(new int[] {7, 9}, TokenTruncation.of(Truncation.TAIL, 2, -1).apply(ids));
  }

  @Test
  void autoHeadIsAQuarterOfTheContentTokens() {
    assertEquals(128, Truncation.autoHeadTokens(512));
    assertEquals(64, Truncation.autoHeadTokens(256)); // 254 / 4 = 63.5
    assertEquals(32, Truncation.autoHeadTokens(128)); // 126 / 4 = 31.5
    assertEquals(1, Truncation.autoHeadTokens(4));
    assertEquals(1, Truncation.autoHeadTokens(5));
    assertEquals(2, Truncation.autoHeadTokens(10));
    assertEquals(128, TokenTruncation.of(Truncation.HEAD_TAIL, 512, -1).headTokens());
    assertEquals(382, TokenTruncation.of(Truncation.HEAD_TAIL, 512, -1).tailTokens());
    assertEquals(0, TokenTruncation.of(Truncation.TAIL, 512, 7).headTokens(), "head and tail have no head length");
  }
}
