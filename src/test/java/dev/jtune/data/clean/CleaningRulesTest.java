package dev.jtune.data.clean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class CleaningRulesTest {
  @Nested
  class ControlCharactersRule {
    private final ControlCharacters rule = new ControlCharacters();

    @Test
    void replacesControlsBySpaceAndKeepsLineBreaks() {
      assertEquals("a b\tc\nd e", rule.apply("a\u0000b\tc\nd\u0085e"));
    }

    @Test
    void removesInvisibleFormatCharactersInsideWords() {
      assertEquals("information", rule.apply("in\u00ADfor\u200Bma\uFEFFtion"));
    }
  }

  @Nested
  class UnicodeNfkcRule {
    @Test
    void foldsCompatibilityForms() {
      // full-width letters, the fi ligature, a non-breaking space and a superscript two
      assertEquals("ABC fine x 2", new UnicodeNfkc().apply("\uFF21\uFF22\uFF23 \uFB01ne\u00A0x \u00B2"));
    }

    @Test
    void composesDecomposedAccents() {
      assertEquals("caf\u00E9", new UnicodeNfkc().apply("cafe\u0301"));
    }
  }

  @Nested
  class WhitespaceRule {
    @Test
    void collapsesRunsAndTrims() {
      assertEquals("one two three", new Whitespace().apply("  one \r\n\t two\u2003 three \n"));
    }
  }

  @Nested
  class LowercaseRule {
    @Test
    void lowercasesIndependentlyOfTheDefaultLocale() {
      // with a Turkish default locale, "I" would become a dotless i
      assertEquals("title in", new Lowercase().apply("TITLE IN"));
    }
  }

  @Nested
  class Placeholders {
    @Test
    void replacesUrlsWithoutTrailingPunctuation() {
      assertEquals(
          "see [URL]. or [URL], ok",
          Placeholder.URL.apply("see http://example.com/a?b=1. or www.test.org/x, ok"));
    }

    @Test
    void replacesEmailAddresses() {
      assertEquals(
          "write to [EMAIL] or <[EMAIL]>",
          Placeholder.EMAIL.apply("write to first.last+tag@mail.example.co.uk or <bob@x.org>"));
    }

    @Test
    void replacesNumbersWithSeparatorsButNotDigitsInsideWords() {
      assertEquals(
          "[NUMBER] florins, [NUMBER] percent in [NUMBER], not mp3 or 4x4",
          Placeholder.NUMBER.apply("3,000,000 florins, 3.5 percent in 1961, not mp3 or 4x4"));
    }
  }

  @Nested
  class LengthCapRule {
    @Test
    void leavesShortTextAlone() {
      LengthCap cap = new LengthCap(20);
      assertFalse(cap.cuts("short text"));
      assertEquals("short text", cap.apply("short text"));
    }

    @Test
    void cutsAtTheLastSpaceBeforeTheLimit() {
      LengthCap cap = new LengthCap(12);
      assertTrue(cap.cuts("alpha beta gamma delta"));
      assertEquals("alpha beta", cap.apply("alpha beta gamma delta"));
    }

    @Test
    void neverSplitsASurrogatePair() {
      String text = "abcd\uD83D\uDE00efgh"; // an emoji at index 4-5
      assertEquals("abcd", new LengthCap(5).apply(text));
    }

    @Test
    void rejectsNonPositiveLimits() {
      assertThrows(IllegalArgumentException.class, () -> new LengthCap(0));
    }
  }

  @Nested
  class StageDirectionsRule {
    @Test
    void removesApplauseAndLaughter() {
      String cleaned =
          new StageDirections().apply("Thank you. (Applause.) No President (applause) has ever said those words (Laughter.).");
      assertEquals("Thank you. No President has ever said those words .", new Whitespace().apply(cleaned));
    }

    @Test
    void keepsOtherParentheses() {
      assertEquals("the act (as amended) applies", new StageDirections().apply("the act (as amended) applies"));
    }
  }

  @Nested
  class Cleaner {
    @Test
    void alwaysNormalisesControlsUnicodeAndWhitespace() {
      TextCleaner cleaner = new TextCleaner(CleaningConfig.defaults());
      assertEquals("Caf\u00E9 \uFB01 ok".replace("\uFB01", "fi"), cleaner.normalise(" Cafe\u0301\u0000 \uFB01\n ok "));
    }

    @Test
    void appliesOptionalRulesInOrderEmailBeforeUrl() {
      TextCleaner cleaner =
          new TextCleaner(new CleaningConfig(true, EnumSet.allOf(Placeholder.class), 0, 0));
      assertEquals(
          "mail [EMAIL] at [URL] before [NUMBER] pm",
          cleaner.normalise("Mail Bob@Example.com at HTTP://Example.com/Page before 5 PM"));
    }

    @Test
    void hasNoCapWhenMaxCharsIsZero() {
      assertEquals(null, new TextCleaner(new CleaningConfig(false, Set.of(), 0, 0)).cap());
      assertEquals(7, new TextCleaner(new CleaningConfig(false, Set.of(), 7, 0)).cap().maxChars());
    }

    @Test
    void countsWordsWithALetterOrDigit() {
      assertEquals(4, TextCleaner.wordCount("Yes -- we can, 2 ..."));
      assertEquals(0, TextCleaner.wordCount(" ... "));
    }
  }
}
