package dev.jtune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jtune.artifact.Truncation;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokenization with the real all-MiniLM-L6-v2 tokenizer.json (BERT uncased WordPiece), read from
 * the model jar on the test classpath. Expected ids come from the file's own vocabulary through an
 * independent greedy longest-match WordPiece written here.
 */
class TextTokenizerTest {
  @TempDir static Path dir;
  static Path tokenizerJson;
  static Map<String, Integer> vocab;
  static TextTokenizer tokenizer;

  @BeforeAll
  static void load() throws Exception {
    tokenizerJson = dir.resolve("tokenizer.json");
    try (InputStream in = TextTokenizerTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      assertNotNull(in, "all-minilm-l6-v2-tokenizer.json on the test classpath");
      Files.copy(in, tokenizerJson);
    }
    JsonNode model = new ObjectMapper().readTree(tokenizerJson.toFile()).get("model");
    vocab = new HashMap<>();
    model.get("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
    tokenizer = TextTokenizer.load(tokenizerJson, 128);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  /** Lowercase, split on spaces and punctuation, greedy longest-match-first WordPiece, [CLS] ... [SEP]. */
  private static int[] reference(String text, int maxLen) {
    List<Integer> ids = new ArrayList<>();
    ids.add(vocab.get("[CLS]"));
    for (String word : text.toLowerCase(Locale.ROOT).split("\\s+|(?=\\p{Punct})|(?<=\\p{Punct})")) {
      if (word.isEmpty()) continue;
      int start = 0;
      while (start < word.length()) {
        int end = word.length();
        Integer id = null;
        while (end > start) {
          String piece = (start == 0 ? "" : "##") + word.substring(start, end);
          id = vocab.get(piece);
          if (id != null) break;
          end--;
        }
        if (id == null) {
          ids.add(vocab.get("[UNK]"));
          break;
        }
        ids.add(id);
        start = end;
      }
    }
    List<Integer> kept = new ArrayList<>(ids.subList(0, Math.min(ids.size(), maxLen - 1)));
    kept.add(vocab.get("[SEP]"));
    return kept.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void specialTokensHaveTheBertIds() {
    assertEquals(0, vocab.get("[PAD]"));
    assertEquals(100, vocab.get("[UNK]"));
    assertEquals(101, vocab.get("[CLS]"));
    assertEquals(102, vocab.get("[SEP]"));
    assertEquals(30522, vocab.size());
  }

  @Test
  void encodesAKnownPhraseToTheWellKnownBertIds() {
    assertArrayEquals(new int[] {101, 7592, 2088, 102}, tokenizer.encode("Hello World"));
  }

  @Test
  void matchesTheVocabularyOnRealSentences() {
    List<String> sentences = List.of(
        "The State of the Union is strong.",
        "Mr. Speaker, the U.S. economy grew 3.5 percent in 1961, and unemployment fell.",
        "I regret more than any of you know that it has not been possible to restore peace.",
        "Click here to claim your FREE prize: unsubscribe at any time!",
        "The Secretary of the Treasury recommends an appropriation for the construction of lighthouses.");
    for (String s : sentences) {
      assertArrayEquals(reference(s, 128), tokenizer.encode(s), s);
    }
  }

  @Test
  void truncatesToMaxSeqLenKeepingSep() {
    String longText = "the nation ".repeat(100);
    try (TextTokenizer short16 = TextTokenizer.load(tokenizerJson, 16)) {
      int[] ids = short16.encode(longText);
      assertEquals(16, ids.length);
      assertEquals(101, ids[0]);
      assertEquals(102, ids[15]);
      assertArrayEquals(reference(longText, 16), ids);
    }
    assertEquals(128, tokenizer.encode(longText).length);
  }

  /** Numbers 1..n as words: every token says where in the text it came from. */
  private static String countTo(int n) {
    return java.util.stream.IntStream.rangeClosed(1, n).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(" "));
  }

  /** [CLS] + {@code content} + [SEP]. */
  private static int[] framed(int[] content) {
    int[] out = new int[content.length + 2];
    out[0] = 101;
    System.arraycopy(content, 0, out, 1, content.length);
    out[out.length - 1] = 102;
    return out;
  }

  @Test
  void tailAndHeadTailKeepTheEndsOfTheWholeTextBeyondTheFilesOwnTruncation() {
    // the file truncates at 128 by itself; both strategies must see the whole text (about 400 tokens)
    String text = countTo(400);
    int[] all = reference(text, Integer.MAX_VALUE);
    int[] content = java.util.Arrays.copyOfRange(all, 1, all.length - 1);
    assertTrue(content.length > 300, "the text is long: " + content.length);
    try (TextTokenizer tail = TextTokenizer.load(tokenizerJson, TokenTruncation.of(Truncation.TAIL, 200, -1));
        TextTokenizer headTail = TextTokenizer.load(tokenizerJson, TokenTruncation.of(Truncation.HEAD_TAIL, 200, 50))) {
      assertArrayEquals(framed(java.util.Arrays.copyOfRange(content, content.length - 198, content.length)), tail.encode(text));
      int[] kept = new int[198];
      System.arraycopy(content, 0, kept, 0, 50);
      System.arraycopy(content, content.length - 148, kept, 50, 148);
      assertArrayEquals(framed(kept), headTail.encode(text));
      String fits = "The State of the Union is strong.";
      assertArrayEquals(reference(fits, 200), tail.encode(fits), "a text that fits is unchanged");
      assertArrayEquals(reference(fits, 200), headTail.encode(fits));
    }
  }

  @Test
  void headBySlicingIsWhatTheTokenizersOwnTruncationGives() {
    String text = countTo(60);
    try (TextTokenizer whole = TextTokenizer.load(tokenizerJson, TokenTruncation.of(Truncation.TAIL, 512, -1));
        TextTokenizer head = TextTokenizer.load(tokenizerJson, 20)) {
      assertArrayEquals(head.encode(text), TokenTruncation.head(20).apply(whole.encode(text)));
      assertArrayEquals(reference(text, 20), head.encode(text));
    }
  }

  @Test
  void batchesKeepTheSameTokensAsEncode() {
    List<String> texts = List.of(countTo(90), "peace", countTo(30) + " war and peace " + countTo(45));
    try (TextTokenizer headTail = TextTokenizer.load(tokenizerJson, TokenTruncation.of(Truncation.HEAD_TAIL, 24, 5))) {
      TokenBatch batch = headTail.batch(texts);
      assertEquals(24, batch.seqLen());
      for (int i = 0; i < texts.size(); i++) {
        int[] ids = headTail.encode(texts.get(i));
        int[] row = java.util.Arrays.copyOfRange(batch.inputWordIds(), i * 24, (i + 1) * 24);
        assertArrayEquals(ids, java.util.Arrays.copyOf(row, ids.length), "row " + i);
        assertEquals(102, ids[ids.length - 1]);
      }
    }
  }

  @Test
  void batchesPadToTheLongestTextWithMasksAndZeroTypeIds() {
    List<String> texts = List.of("peace", "the state of the union is strong", "war");
    TokenBatch batch = tokenizer.batch(texts);
    int[] longest = tokenizer.encode(texts.get(1));
    assertEquals(3, batch.size());
    assertEquals(longest.length, batch.seqLen());
    for (int i = 0; i < 3; i++) {
      int[] ids = tokenizer.encode(texts.get(i));
      int[] row = java.util.Arrays.copyOfRange(batch.inputWordIds(), i * batch.seqLen(), (i + 1) * batch.seqLen());
      int[] mask = java.util.Arrays.copyOfRange(batch.inputMask(), i * batch.seqLen(), (i + 1) * batch.seqLen());
      for (int j = 0; j < batch.seqLen(); j++) {
        assertEquals(j < ids.length ? ids[j] : 0, row[j]);
        assertEquals(j < ids.length ? 1 : 0, mask[j]);
      }
    }
    assertArrayEquals(new int[batch.size() * batch.seqLen()], batch.inputTypeIds());
    assertArrayEquals(new int[] {101, vocab.get("peace"), 102}, tokenizer.encode("peace"));
  }
}
