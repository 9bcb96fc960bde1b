package io.surrogate.rules.schema;

import io.surrogate.rules.model.Located;
import io.surrogate.rules.model.RulesElement;
import io.surrogate.rules.model.SourcePosition;
import io.surrogate.rules.schema.SchemaProblem.Kind;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.UnmarshalException;
import jakarta.xml.bind.Unmarshaller;
import jakarta.xml.bind.ValidationEvent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import javax.xml.transform.sax.SAXSource;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.XMLReader;
import org.xml.sax.helpers.XMLFilterImpl;

/**
 * Reads one rule file safely: bounded size, no DOCTYPE (so no entities, no XXE), validated
 * against the schema while binding, every schema violation turned into a {@link SchemaProblem}
 * positioned at the {@code <} of the offending element (or at the offending attribute).
 * Never throws for bad input.
 */
public final class RuleDocumentReader {
    /** Rule files larger than this are refused unread. */
    public static final int DEFAULT_MAX_BYTES = 1 << 20;
    /**
     * Elements nested deeper than this (the {@code <rules>} root is depth 1) stop the reading
     * with {@link Kind#TOO_DEEP}: the compiler, the printer and evaluation walk bodies
     * recursively, and 3,000 nested matches overflowed the stack.
     */
    public static final int MAX_DEPTH = 64;

    private final RulesSchema language;
    private final int maxBytes;

    public RuleDocumentReader() {
        this(RulesSchema.get(), DEFAULT_MAX_BYTES);
    }

    public RuleDocumentReader(RulesSchema language, int maxBytes) {
        this.language = language;
        this.maxBytes = maxBytes;
    }

    public ReadResult read(Path path) {
        String name = path.toString();
        try {
            long size = Files.size(path);
            if (size > maxBytes) {
                return failure(new SourceText(name, ""), Kind.TOO_LARGE, 1, 1,
                        "rule file is " + size + " bytes; the limit is " + maxBytes, "split the rules over several files");
            }
            return read(name, Files.readAllBytes(path));
        } catch (IOException e) {
            return failure(new SourceText(name, ""), Kind.UNREADABLE, 1, 1,
                    "cannot read rule file: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), null);
        }
    }

    public ReadResult read(String name, byte[] content) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            return failure(new SourceText(name, ""), Kind.MALFORMED, 1, 1, "rule file is not UTF-8 text", "save the file as UTF-8");
        }
        SourceText source = new SourceText(name, text);
        if (content.length > maxBytes) {
            return failure(source, Kind.TOO_LARGE, 1, 1,
                    "rule file is " + content.length + " bytes; the limit is " + maxBytes, "split the rules over several files");
        }
        List<SchemaProblem> problems = new ArrayList<>();
        PositionTracker tracker;
        try {
            tracker = new PositionTracker(newSecureReader(), source);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("the JDK's SAX parser does not support secure processing", e);
        }
        Object bound = null;
        try {
            Unmarshaller unmarshaller = language.context().createUnmarshaller();
            unmarshaller.setSchema(language.schema());
            Set<String> seen = new HashSet<>();
            unmarshaller.setEventHandler(event -> {
                SchemaProblem problem = classify(event, tracker, source);
                if (problem != null && seen.add(problem.position() + " " + problem.kind())) {
                    problems.add(problem);
                }
                // JAXB reports schema violations as fatal; they are not: keep going to collect them all.
                return true;
            });
            InputSource input = new InputSource(new ByteArrayInputStream(content));
            input.setSystemId(name);
            bound = unmarshaller.unmarshal(new SAXSource(tracker, input));
        } catch (UnmarshalException e) {
            if (tracker.tooDeepAt != null) {
                problems.add(new SchemaProblem(Kind.TOO_DEEP, tracker.tooDeepAt, "elements are nested more than " + MAX_DEPTH
                        + " deep", "a body rarely needs more than a few levels: combine conditions with <match:all>, or split the rules"));
                return new ReadResult(source, Optional.empty(), sorted(problems));
            }
            Throwable cause = e.getLinkedException() != null ? e.getLinkedException() : e.getCause();
            if (cause instanceof SAXParseException spe) {
                SchemaProblem problem = malformed(spe, source);
                if (problems.stream().noneMatch(p -> p.position().equals(problem.position()))) {
                    problems.add(problem);
                }
            } else if (problems.isEmpty()) {
                problems.add(new SchemaProblem(Kind.MALFORMED, source.position(1, 1),
                        "cannot parse rule file: " + String.valueOf(e.getMessage()), null));
            }
        } catch (JAXBException e) {
            throw new IllegalStateException("JAXB failed on a validated document", e);
        } catch (org.w3c.dom.DOMException e) {
            // JAXB builds a DOM for unknown content; a name the SAX parser let through (an empty
            // prefix, as in <:x/>) fails there (found by RuleCompilerFuzzTest)
            problems.add(new SchemaProblem(Kind.MALFORMED, tracker.currentElementStart(),
                    "malformed XML: an element or attribute name that is not a namespace-qualified name", null));
        }
        Optional<RulesElement> rules = Optional.empty();
        if (bound instanceof RulesElement r) {
            assignPositions(r, source);
            rules = Optional.of(r);
        } else if (bound != null && problems.isEmpty()) {
            problems.add(new SchemaProblem(Kind.WRONG_ROOT, source.position(1, 1),
                    "the root element must be <rules xmlns=\"urn:surrogate:rules:1\">", null));
        }
        return new ReadResult(source, rules, sorted(problems));
    }

    private static List<SchemaProblem> sorted(List<SchemaProblem> problems) {
        problems.sort(java.util.Comparator.comparingInt((SchemaProblem p) -> p.position().line())
                .thenComparingInt(p -> p.position().column()));
        return problems;
    }

    private static ReadResult failure(SourceText source, Kind kind, int line, int column, String message, String help) {
        return new ReadResult(source, Optional.empty(), List.of(new SchemaProblem(kind, source.position(line, column), message, help)));
    }

    private static XMLReader newSecureReader() throws ParserConfigurationException, SAXException {
        SAXParserFactory factory = SAXParserFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setXIncludeAware(false);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
        factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        XMLReader reader = factory.newSAXParser().getXMLReader();
        reader.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        return reader;
    }

    private static void assignPositions(Located element, SourceText source) {
        Deque<Located> pending = new ArrayDeque<>();
        pending.push(element);
        while (!pending.isEmpty()) {
            Located e = pending.pop();
            e.position(source.tagStart(e.reportedLine(), e.reportedColumn()));
            for (Located child : e.children()) {
                pending.push(child);
            }
        }
    }

    private static SchemaProblem malformed(SAXParseException e, SourceText source) {
        String message = String.valueOf(e.getMessage());
        SourcePosition at = source.position(Math.max(1, e.getLineNumber()), Math.max(1, e.getColumnNumber()));
        if (message.contains("DOCTYPE")) {
            int doctype = source.text().indexOf("<!DOCTYPE");
            return new SchemaProblem(Kind.DOCTYPE, doctype < 0 ? at : source.positionOf(doctype), "DOCTYPE declarations are refused in rule files",
                    "remove the <!DOCTYPE ...> line; rule files take no DTD and no entities");
        }
        return new SchemaProblem(Kind.MALFORMED, at, "malformed XML: " + lowerFirst(message), null);
    }

    // ---- schema message classification --------------------------------------------------

    private static final Pattern ELEMENT_IN_MESSAGE = Pattern.compile("(?i)element '(\\{\"([^\"]*)\":)?([^'}]+)\\}?'");
    private static final Pattern ATTRIBUTE_NOT_ALLOWED = Pattern.compile("Attribute '([^']+)' is not allowed to appear in element '([^']+)'");
    private static final Pattern ATTRIBUTE_MUST_APPEAR = Pattern.compile("Attribute '([^']+)' must appear on element '([^']+)'");
    private static final Pattern EXPECTED = Pattern.compile("One of '\\{(.*)\\}' is expected");
    private static final Pattern VALUE_OF_ATTRIBUTE = Pattern.compile("The value '(.*)' of attribute '([^']+)' on element '([^']+)'");
    private static final Pattern VALUE_OF_ELEMENT = Pattern.compile("The value '(.*)' of element '([^']+)'");
    private static final Pattern FACET = Pattern.compile("^cvc-(enumeration|pattern|datatype|minInclusive|maxInclusive|minLength|maxLength|minExclusive|maxExclusive|length)-valid");
    private static final Pattern ENUMERATION = Pattern.compile("enumeration '\\[(.*)\\]'");
    private static final Pattern PATTERN = Pattern.compile("pattern '(.*)' for type '([^']+)'");
    private static final Pattern DATATYPE = Pattern.compile("is not a valid value for '([^']+)'");
    private static final Pattern BOUND = Pattern.compile("with respect to (\\w+) '([^']+)'");

    private SchemaProblem classify(ValidationEvent event, PositionTracker tracker, SourceText source) {
        String message = event.getMessage() == null ? "" : event.getMessage();
        SourcePosition element = tracker.currentElementStart();
        if (!message.startsWith("cvc-")) {
            if (event.getSeverity() == ValidationEvent.FATAL_ERROR && event.getLinkedException() instanceof SAXParseException spe) {
                return malformed(spe, source);
            }
            // JAXB's own binding events repeat what the schema already said.
            return null;
        }
        String code = message.substring(0, message.indexOf(':') < 0 ? message.length() : message.indexOf(':'));
        Matcher m;
        if (FACET.matcher(message).find()) {
            tracker.pendingFacet = facetDetail(message);
            return null;
        }
        String facet = tracker.pendingFacet;
        tracker.pendingFacet = null;
        switch (code) {
            case "cvc-complex-type.2.4.a", "cvc-complex-type.2.4.d", "cvc-complex-type.2.4.c" -> {
                String name = elementName(message);
                String expected = expectedList(message);
                if (!language.elementNames().contains(name)) {
                    String help = Suggestions.closest(name, language.elementNames())
                            .map(s -> "did you mean '" + s + "'?").orElse(expected == null ? null : "expected here: " + expected);
                    return new SchemaProblem(Kind.UNKNOWN_ELEMENT, element, "unknown element '" + name + "'", help);
                }
                return new SchemaProblem(Kind.MISPLACED_ELEMENT, element, "element '" + name + "' is not allowed here",
                        expected == null ? "no child element is allowed here" : "expected here: " + expected);
            }
            case "cvc-complex-type.2.4.b" -> {
                String expected = expectedList(message);
                String name = elementName(message);
                return new SchemaProblem(Kind.MISSING, element, "element '" + name + "' is incomplete",
                        expected == null ? null : "add one of: " + expected);
            }
            case "cvc-complex-type.3.2.2" -> {
                m = ATTRIBUTE_NOT_ALLOWED.matcher(message);
                if (m.find()) {
                    String attribute = m.group(1);
                    String owner = m.group(2);
                    Set<String> known = language.attributesOf(owner);
                    String help = Suggestions.closest(attribute, known).map(s -> "did you mean '" + s + "'?")
                            .orElse(known.isEmpty() ? "'" + owner + "' takes no attributes" : "'" + owner + "' takes: " + String.join(", ", new java.util.TreeSet<>(known)));
                    return new SchemaProblem(Kind.UNKNOWN_ATTRIBUTE, source.attribute(element, attribute),
                            "unknown attribute '" + attribute + "' on '" + owner + "'", help);
                }
            }
            case "cvc-complex-type.4" -> {
                m = ATTRIBUTE_MUST_APPEAR.matcher(message);
                if (m.find()) {
                    return new SchemaProblem(Kind.MISSING, element,
                            "'" + m.group(2) + "' needs the attribute '" + m.group(1) + "'", null);
                }
            }
            case "cvc-attribute.3" -> {
                m = VALUE_OF_ATTRIBUTE.matcher(message);
                if (m.find()) {
                    return new SchemaProblem(Kind.INVALID_VALUE, source.attribute(element, m.group(2)),
                            "invalid value '" + m.group(1) + "' for attribute '" + m.group(2) + "' of '" + m.group(3) + "'", facet);
                }
            }
            case "cvc-type.3.1.3" -> {
                m = VALUE_OF_ELEMENT.matcher(message);
                if (m.find()) {
                    return new SchemaProblem(Kind.INVALID_VALUE, element,
                            "invalid value '" + m.group(1) + "' for '" + m.group(2) + "'", facet);
                }
            }
            case "cvc-elt.1.a", "cvc-elt.1" -> {
                return new SchemaProblem(Kind.WRONG_ROOT, element,
                        "the root element must be <rules> in namespace urn:surrogate:rules:1",
                        "start the file with <rules xmlns=\"urn:surrogate:rules:1\" ...>");
            }
            case "cvc-complex-type.2.3" -> {
                return new SchemaProblem(Kind.INVALID_CONTENT, element,
                        "text is not allowed directly inside '" + elementName(message) + "'", "only elements may stand here");
            }
            case "cvc-complex-type.2.1" -> {
                return new SchemaProblem(Kind.INVALID_CONTENT, element,
                        "'" + elementName(message) + "' must be empty", null);
            }
            default -> {
            }
        }
        return new SchemaProblem(Kind.INVALID_CONTENT, element, "schema violation: " + lowerFirst(message.substring(code.length() + 1).trim()), null);
    }

    private static String facetDetail(String message) {
        Matcher m = ENUMERATION.matcher(message);
        if (m.find()) {
            return "expected one of: " + m.group(1);
        }
        m = PATTERN.matcher(message);
        if (m.find()) {
            return switch (m.group(2)) {
                case "Duration" -> "expected a duration such as 250ms, 15s, 5m, 1h or 1d";
                case "VariableName" -> "a variable name is a letter or '_' then letters, digits or '_', at most 64";
                case "KeyName" -> "a key name is letters, digits, '.', '_' or '-', at most 128";
                case "OriginUrl" -> "expected an http:// or https:// URL";
                case "HeaderName" -> "expected an HTTP header name (token characters)";
                default -> "expected a value matching " + m.group(1);
            };
        }
        m = DATATYPE.matcher(message);
        if (m.find()) {
            return "expected a value of type " + m.group(1);
        }
        m = BOUND.matcher(message);
        if (m.find()) {
            return "the " + m.group(1) + " is " + m.group(2);
        }
        return null;
    }

    private static String elementName(String message) {
        Matcher m = ELEMENT_IN_MESSAGE.matcher(message);
        if (!m.find()) {
            return "?";
        }
        String local = m.group(3);
        if (m.group(2) != null) {
            return RulesSchema.qualified(m.group(2), local);
        }
        return local;
    }

    private static String expectedList(String message) {
        Matcher m = EXPECTED.matcher(message);
        if (!m.find()) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (String item : m.group(1).split(",")) {
            Matcher e = Pattern.compile("(\"([^\"]*)\":)?(.+)").matcher(item.trim());
            if (e.matches()) {
                String ns = e.group(2);
                names.add(ns == null ? e.group(3) : RulesSchema.qualified(ns, e.group(3)));
            }
        }
        if (names.contains("statement")) {
            names.remove("statement");
            names.add("a match, variable or action");
        }
        return String.join(", ", names);
    }

    private static String lowerFirst(String s) {
        // "XML document structures..." keeps its acronym; "The element..." becomes "the element..."
        if (s.length() < 2 || Character.isUpperCase(s.charAt(1))) {
            return s;
        }
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    /**
     * Sits between the parser and JAXB: remembers where each open element starts so that a
     * schema error (reported after the start tag, or at an end tag) points at its element.
     */
    private static final class PositionTracker extends XMLFilterImpl {
        private final SourceText source;
        private final Deque<SourcePosition> open = new ArrayDeque<>();
        private Locator locator;
        /** The most recent facet message, merged into the attribute/element message that follows it. */
        String pendingFacet;
        /** The first element deeper than {@link #MAX_DEPTH}, where reading stopped; null while within it. */
        SourcePosition tooDeepAt;

        PositionTracker(XMLReader parent, SourceText source) {
            super(parent);
            this.source = source;
        }

        SourcePosition currentElementStart() {
            if (!open.isEmpty()) {
                return open.peek();
            }
            return locator == null ? source.position(1, 1) : source.position(Math.max(1, locator.getLineNumber()), Math.max(1, locator.getColumnNumber()));
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
            super.setDocumentLocator(locator);
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes atts) throws SAXException {
            open.push(locator == null ? SourcePosition.UNKNOWN : source.tagStart(locator.getLineNumber(), locator.getColumnNumber()));
            if (open.size() > MAX_DEPTH) {
                // stop before anything downstream nests this deep
                tooDeepAt = open.peek();
                throw new SAXException("elements nested more than " + MAX_DEPTH + " deep");
            }
            super.startElement(uri, localName, qName, atts);
        }

        @Override
        public void endElement(String uri, String localName, String qName) throws SAXException {
            super.endElement(uri, localName, qName);
            open.pop();
        }
    }
}
