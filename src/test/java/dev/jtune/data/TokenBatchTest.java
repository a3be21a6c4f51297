package dev.jtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenBatchTest {
  @Test
  void padsToTheLongestSequenceOfTheBatch() {
    TokenBatch batch = TokenBatch.of(List.of(new int[] {101, 7, 102}, new int[] {101, 8, 9, 10, 102}));
    assertEquals(2, batch.size());
    assertEquals(5, batch.seqLen());
    assertArrayEquals(new int[] {101, 7, 102, 0, 0, 101, 8, 9, 10, 102}, batch.inputWordIds());
    assertArrayEquals(new int[] {1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, batch.inputMask());
    assertArrayEquals(new int[10], batch.inputTypeIds());
    assertEquals(3, batch.length(0));
    assertEquals(5, batch.length(1));
  }

  @Test
  void anEmptyListIsAnEmptyBatch() {
    TokenBatch batch = TokenBatch.of(List.of());
    assertEquals(0, batch.size());
    assertEquals(0, batch.inputWordIds().length);
  }

  @Test
  void rejectsArraysOfTheWrongSize() {
    assertThrows(IllegalArgumentException.class, () -> new TokenBatch(2, 3, new int[6], new int[6], new int[5]));
  }
}
