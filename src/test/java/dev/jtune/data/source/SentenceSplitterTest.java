package dev.jtune.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SentenceSplitterTest {
  @Test
  void splitsOnSentenceEnds() {
    assertEquals(
        List.of("We are at peace.", "Is it lasting?", "It is!"),
        SentenceSplitter.split("We are at peace. Is it lasting? It is!"));
  }

  @Test
  void doesNotSplitAfterTitlesAndInitials() {
    assertEquals(
        List.of(
            "Mr. Smith and Gen. Grant met Dr. J. R. Jones of St. Louis.",
            "The U.S. Government agreed.",
            "The U.S. economy grew 3.5 percent."),
        SentenceSplitter.split(
            "Mr. Smith and Gen. Grant met Dr. J. R. Jones of St. Louis. The U.S. Government agreed. "
                + "The U.S. economy grew 3.5 percent."));
  }

  @Test
  void splitsAfterThePronounI() {
    assertEquals(List.of("And so am I.", "Of course we made commitments."),
        SentenceSplitter.split("And so am I. Of course we made commitments."));
  }
}
