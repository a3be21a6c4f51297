package dev.jtune.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an error response may tell a client. Every error body of the server passes through {@link
 * #scrub}: the message keeps its first line only (no stack trace, no multi-line runtime dump),
 * paths under the model base become relative to it, any other path on this machine becomes {@code
 * <path>}, and Java exception class names and stack frames are removed. The full message stays in
 * the server log.
 */
final class ClientErrorText {
  /** Longest error text sent; a message echoing a huge client input is cut. */
  static final int MAX_CHARS = 2_000;
  private static final String HIDDEN = "<path>";
  // an absolute path token: starts with '/', not glued to a word before it (so "a/b" is not one)
  private static final Pattern ABSOLUTE_PATH = Pattern.compile("(?<![\\w.~%-])/[^\\s/'\"`<>|:;,()\\[\\]{}]+(?:/[^\\s/'\"`<>|:;,()\\[\\]{}]*)*");
  // qualified exception or error class names, and bare ones ending in Exception
  private static final Pattern EXCEPTION_NAME =
      Pattern.compile("\\b(?:(?:[A-Za-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error|Throwable)|[A-Z][\\w$]*Exception)\\b:?\\s*");
  private static final Pattern STACK_FRAME = Pattern.compile("\\s*\\bat [\\w$.]+\\([^)]*\\)");

  // server path (as text) -> what it is replaced by, longest first so a parent never shadows a child
  private final Map<String, String> replacements = new LinkedHashMap<>();

  /**
   * @param modelBase the model base: paths under it are shown relative to it ({@code generic/2})
   */
  ClientErrorText(Path modelBase) {
    List<String[]> pairs = new ArrayList<>();
    for (Path p : forms(modelBase)) pairs.add(new String[] {p + "/", ""});
    for (Path p : forms(modelBase)) pairs.add(new String[] {p.toString(), "<model base>"});
    for (String prop : List.of("java.io.tmpdir", "user.home", "user.dir")) {
      String v = System.getProperty(prop);
      if (v != null && v.length() > 1) for (Path p : forms(Path.of(v))) pairs.add(new String[] {p.toString(), HIDDEN});
    }
    pairs.sort(Comparator.comparingInt((String[] a) -> a[0].length()).reversed());
    for (String[] pr : pairs) replacements.putIfAbsent(pr[0], pr[1]);
  }

  /** A path as given, absolute and normalized, and with links resolved (when it exists). */
  private static List<Path> forms(Path p) {
    List<Path> out = new ArrayList<>();
    Path abs = p.toAbsolutePath().normalize();
    out.add(abs);
    try {
      Path real = abs.toRealPath();
      if (!real.equals(abs)) out.add(real);
    } catch (IOException e) {
      // not there (yet): the absolute form is all there is to hide
    }
    return out;
  }

  /** The text of {@code message} a client may see; never empty. */
  String scrub(String message) {
    if (message == null || message.isBlank()) return "Internal error";
    String s = message.strip();
    int nl = indexOfLineBreak(s);
    if (nl >= 0) s = s.substring(0, nl).strip();
    for (var e : replacements.entrySet()) s = s.replace(e.getKey(), e.getValue());
    s = hideLocalPaths(s);
    s = STACK_FRAME.matcher(s).replaceAll("");
    s = EXCEPTION_NAME.matcher(s).replaceAll("");
    s = s.strip();
    if (s.isEmpty()) return "Internal error";
    return s.length() <= MAX_CHARS ? s : s.substring(0, MAX_CHARS) + "...";
  }

  private static int indexOfLineBreak(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n' || c == '\r') return i;
    }
    return -1;
  }

  /**
   * Replaces absolute paths whose top-level folder exists on this machine ({@code /tmp/...},
   * {@code /home/...}); a request path such as {@code /v1/models/x} names no folder here and stays.
   */
  private static String hideLocalPaths(String s) {
    if (s.indexOf('/') < 0) return s;
    Matcher m = ABSOLUTE_PATH.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String token = m.group();
      int end = token.indexOf('/', 1);
      String top = end < 0 ? token.substring(1) : token.substring(1, end);
      boolean local;
      try {
        local = !top.isEmpty() && Files.isDirectory(Path.of("/", top));
      } catch (RuntimeException e) {
        local = false;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(local ? HIDDEN : token));
    }
    m.appendTail(out);
    return out.toString();
  }
}
