package dev.jtune.data.source;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;

/**
 * The readable text of a raw RFC 822 message: its Subject plus its text body. Transfer encodings
 * (quoted-printable, base64) and charsets are decoded by Angus Mail; HTML is turned into text with
 * jsoup; of a multipart/alternative the plain-text part is preferred; attachments and non-text
 * parts are dropped. Forwarded messages (message/rfc822) contribute their text too.
 */
public record EmailText(String subject, String body) {
  private static final Session SESSION = Session.getInstance(new Properties());
  // Broken messages nest parts deeply or loop; real mail never needs more.
  private static final int MAX_DEPTH = 10;
  // Inline PGP signatures are base64 noise; keep the signed text, drop the armour around it.
  private static final Pattern PGP_ARMOR =
      Pattern.compile(
          "(?s)-----BEGIN PGP SIGNATURE-----.*?(?:-----END PGP SIGNATURE-----|$)"
              + "|-----BEGIN PGP SIGNED MESSAGE-----\\s*(?:Hash:[^\\n]*)?");
  private static final Pattern HTML_DOCUMENT = Pattern.compile("(?i)<(?:html|body)[\\s>]");
  private static final Pattern HTML_TAG =
      Pattern.compile("(?i)</?(?:a|p|br|div|font|table|tr|td|b|i|u|span|img|center|li)(?:\\s[^>]*)?/?>");

  /** Parses a raw message (headers and body as bytes). */
  public static EmailText parse(byte[] raw) throws MessagingException {
    MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(skipMboxLine(raw)));
    List<String> pieces = new ArrayList<>();
    collect(message, pieces, 0);
    return new EmailText(subject(message).strip(), String.join("\n", pieces));
  }

  /** Subject and body, separated by a line break; an absent subject is left out. */
  public String text() {
    return subject.isEmpty() ? body : subject + "\n" + body;
  }

  /** Corpus files often start with the mbox separator "From sender date", which is not a header. */
  private static byte[] skipMboxLine(byte[] raw) {
    if (raw.length < 5 || !new String(raw, 0, 5, StandardCharsets.ISO_8859_1).equals("From ")) return raw;
    int end = 0;
    while (end < raw.length && raw[end] != '\n') end++;
    return java.util.Arrays.copyOfRange(raw, Math.min(end + 1, raw.length), raw.length);
  }

  private static String subject(MimeMessage message) throws MessagingException {
    String[] raw = message.getHeader("Subject");
    if (raw == null || raw.length == 0) return "";
    String value = raw[0];
    try {
      return MimeUtility.decodeText(MimeUtility.unfold(value));
    } catch (IOException e) {
      return value; // undecodable encoded-word: keep it as written
    }
  }

  private static void collect(Part part, List<String> out, int depth) throws MessagingException {
    if (depth > MAX_DEPTH || isAttachment(part)) return;
    ContentType type = contentType(part);
    if (type.match("multipart/*")) {
      try {
        Multipart multipart = multipart(part);
        if (multipart == null) {
          addText(part, new ContentType("text", "plain", null), out);
        } else if (type.match("multipart/alternative")) {
          Part chosen = preferredAlternative(multipart);
          if (chosen != null) collect(chosen, out, depth + 1);
        } else {
          for (int i = 0; i < multipart.getCount(); i++) collect(multipart.getBodyPart(i), out, depth + 1);
        }
      } catch (ParseException e) {
        // Boundary in the header does not match the body (common in spam): keep the body as text.
        addText(part, new ContentType("text", "plain", null), out);
      }
    } else if (type.match("message/rfc822")) {
      try {
        Object content = part.getContent();
        if (content instanceof MimeMessage inner) {
          String subject = subject(inner);
          if (!subject.isBlank()) out.add(subject);
          collect(inner, out, depth + 1);
        }
      } catch (IOException e) {
        // an unreadable forwarded message adds nothing
      }
    } else if (type.getPrimaryType().equalsIgnoreCase("text")) {
      addText(part, type, out);
    }
  }

  /** Adds a text part, as plain text; HTML (declared, or sent as text/plain) is rendered to text. */
  private static void addText(Part part, ContentType type, List<String> out) throws MessagingException {
    String text = decodedText(part, type);
    if (type.match("text/html") || looksLikeHtml(text)) text = Jsoup.parse(text).text();
    text = PGP_ARMOR.matcher(text).replaceAll(" ");
    if (!text.isBlank()) out.add(text);
  }

  static boolean looksLikeHtml(String text) {
    if (text.indexOf('<') < 0) return false; // most plain mail: skip the regex scans
    if (HTML_DOCUMENT.matcher(text).find()) return true;
    Matcher tags = HTML_TAG.matcher(text);
    int count = 0;
    while (count < 5 && tags.find()) count++;
    return count >= 5;
  }

  private static Part preferredAlternative(Multipart alternative) throws MessagingException {
    Part best = null;
    for (int i = 0; i < alternative.getCount(); i++) {
      BodyPart candidate = alternative.getBodyPart(i);
      ContentType type = contentType(candidate);
      if (type.match("text/plain")) return candidate;
      if (best == null) best = candidate;
    }
    return best;
  }

  private static boolean isAttachment(Part part) throws MessagingException {
    if (Part.ATTACHMENT.equalsIgnoreCase(safeDisposition(part))) return true;
    ContentType type = contentType(part);
    // A named non-text part (image, zip, application/*) is an attachment even without a disposition.
    return !type.getPrimaryType().equalsIgnoreCase("text")
        && !type.getPrimaryType().equalsIgnoreCase("multipart")
        && !type.getPrimaryType().equalsIgnoreCase("message");
  }

  private static String safeDisposition(Part part) {
    try {
      return part.getDisposition();
    } catch (MessagingException e) {
      return null;
    }
  }

  private static ContentType contentType(Part part) {
    try {
      String header = part.getContentType();
      return new ContentType(header == null ? "text/plain" : header);
    } catch (MessagingException e) {
      return new ContentType("text", "plain", null); // RFC 2045: malformed type means text/plain
    }
  }

  private static Multipart multipart(Part part) throws MessagingException {
    try {
      return part.getContent() instanceof Multipart m ? m : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The part's content decoded with its declared charset. Bodies with an unknown or missing charset
   * are read as windows-1252, the common default of mail clients of the time; bytes that are broken
   * transfer encoding are read as they are.
   */
  private static String decodedText(Part part, ContentType type) throws MessagingException {
    byte[] bytes;
    try (InputStream in = part.getInputStream()) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      bytes = rawBytes(part);
    }
    return new String(bytes, charset(type.getParameter("charset")));
  }

  private static byte[] rawBytes(Part part) throws MessagingException {
    if (!(part instanceof jakarta.mail.internet.MimePart mime)) return new byte[0];
    try (InputStream in =
        mime instanceof MimeMessage m ? m.getRawInputStream()
            : ((jakarta.mail.internet.MimeBodyPart) mime).getRawInputStream()) {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  static Charset charset(String declared) {
    if (declared != null) {
      try {
        Charset named = Charset.forName(MimeUtility.javaCharset(declared.strip()));
        // Mail labelled ASCII or Latin-1 very often carries windows-1252 quotes and dashes.
        boolean latin = named.equals(StandardCharsets.US_ASCII) || named.equals(StandardCharsets.ISO_8859_1);
        return latin ? Charset.forName("windows-1252") : named;
      } catch (IllegalArgumentException e) {
        // unknown or illegal name: fall through to the default
      }
    }
    return Charset.forName("windows-1252");
  }
}
