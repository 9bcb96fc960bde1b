package io.surrogate.engine.docs;

import io.surrogate.rules.model.Namespaces;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The elements and attributes the four XSD documents declare, read as plain DOM (not through
 * the compiler, so that the docs are checked against the schema itself). Element names are
 * written as rules.md writes them: {@code match:uri.component}, {@code variable:extract},
 * {@code edgeservices:cors}, and unprefixed for the default namespace ({@code token}).
 * Abstract elements (the substitution-group head {@code statement}) cannot appear in a file
 * and are left out.
 */
final class SchemaDeclarations {
    static final List<String> DOCUMENTS = List.of("rules.xsd", "match.xsd", "variable.xsd", "edgeservices.xsd");
    private static final String XS = XMLConstants.W3C_XML_SCHEMA_NS_URI;

    /** An attribute as declared: required, and its schema default (or null). */
    record Attribute(String name, boolean required, String defaultValue) {}

    private final Map<String, Element> complexTypes = new LinkedHashMap<>();
    /** element name → attribute name → declaration, both sorted. */
    private final Map<String, Map<String, Attribute>> elements = new TreeMap<>();

    static SchemaDeclarations load() throws Exception {
        SchemaDeclarations s = new SchemaDeclarations();
        List<Document> docs = new java.util.ArrayList<>();
        DocumentBuilder builder = secureBuilder();
        for (String name : DOCUMENTS) {
            try (InputStream in = SchemaDeclarations.class.getResourceAsStream("/io/surrogate/rules/schema/" + name)) {
                if (in == null) {
                    throw new IllegalStateException(name + " is not on the class path");
                }
                docs.add(builder.parse(in));
            }
        }
        for (Document d : docs) {
            String ns = d.getDocumentElement().getAttribute("targetNamespace");
            for (Element ct : children(d.getDocumentElement(), "complexType")) {
                s.complexTypes.put(key(ns, ct.getAttribute("name")), ct);
            }
        }
        for (Document d : docs) {
            String ns = d.getDocumentElement().getAttribute("targetNamespace");
            NodeList all = d.getElementsByTagNameNS(XS, "element");
            for (int i = 0; i < all.getLength(); i++) {
                Element e = (Element) all.item(i);
                if (!e.hasAttribute("name") || "true".equals(e.getAttribute("abstract"))) {
                    continue;
                }
                String prefix = Namespaces.prefixOf(ns);
                if (prefix.isEmpty() && !ns.equals(Namespaces.RULES)) {
                    throw new IllegalStateException("namespace " + ns + " has no prefix in Namespaces.prefixOf; give it one");
                }
                String qualified = prefix.isEmpty() ? e.getAttribute("name") : prefix + ":" + e.getAttribute("name");
                Map<String, Attribute> attrs = new TreeMap<>();
                if (e.hasAttribute("type")) {
                    s.typeAttributes(e, e.getAttribute("type"), attrs);
                } else {
                    for (Element ct : children(e, "complexType")) {
                        s.collect(ct, attrs);
                    }
                }
                if (s.elements.put(qualified, attrs) != null) {
                    throw new IllegalStateException("element " + qualified + " is declared twice; the docs convention needs unique names");
                }
            }
        }
        return s;
    }

    Map<String, Map<String, Attribute>> elements() {
        return elements;
    }

    private void typeAttributes(Element context, String typeRef, Map<String, Attribute> out) {
        int colon = typeRef.indexOf(':');
        String prefix = colon < 0 ? null : typeRef.substring(0, colon);
        String ns = context.lookupNamespaceURI(prefix);
        Element ct = complexTypes.get(key(ns, typeRef.substring(colon + 1)));
        if (ct != null) {
            collect(ct, out);
        }
        // otherwise a simple type (xs:string, r:Template...): no attributes
    }

    /** Attributes of a complex type: its own, and those of the types it extends. */
    private void collect(Element complexType, Map<String, Attribute> out) {
        addAttributes(complexType, out);
        for (String content : List.of("complexContent", "simpleContent")) {
            for (Element c : children(complexType, content)) {
                for (String derivation : List.of("extension", "restriction")) {
                    for (Element d : children(c, derivation)) {
                        addAttributes(d, out);
                        typeAttributes(d, d.getAttribute("base"), out);
                    }
                }
            }
        }
    }

    private static void addAttributes(Element parent, Map<String, Attribute> out) {
        for (Element a : children(parent, "attribute")) {
            if (!a.hasAttribute("name")) {
                throw new IllegalStateException("attribute references are not supported by the docs test: " + a.getAttribute("ref"));
            }
            out.putIfAbsent(a.getAttribute("name"), new Attribute(a.getAttribute("name"), "required".equals(a.getAttribute("use")),
                    a.hasAttribute("default") ? a.getAttribute("default") : null));
        }
    }

    private static List<Element> children(Element parent, String localName) {
        List<Element> out = new java.util.ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && XS.equals(e.getNamespaceURI()) && localName.equals(e.getLocalName())) {
                out.add(e);
            }
        }
        return out;
    }

    private static String key(String ns, String local) {
        return "{" + ns + "}" + local;
    }

    private static DocumentBuilder secureBuilder() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        return f.newDocumentBuilder();
    }
}
