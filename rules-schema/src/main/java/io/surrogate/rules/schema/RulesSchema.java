package io.surrogate.rules.schema;

import io.surrogate.rules.model.AllMatchElement;
import io.surrogate.rules.model.AnyMatchElement;
import io.surrogate.rules.model.ClientIpMatchElement;
import io.surrogate.rules.model.CookieMatchElement;
import io.surrogate.rules.model.CorsElement;
import io.surrogate.rules.model.DenyElement;
import io.surrogate.rules.model.ExpressionMatchElement;
import io.surrogate.rules.model.ExtractElement;
import io.surrogate.rules.model.JwtElement;
import io.surrogate.rules.model.HandleSubscriptionElement;
import io.surrogate.rules.model.HostMatchElement;
import io.surrogate.rules.model.Namespaces;
import io.surrogate.rules.model.NotMatchElement;
import io.surrogate.rules.model.PostMatchElement;
import io.surrogate.rules.model.QueryMatchElement;
import io.surrogate.rules.model.RateLimitElement;
import io.surrogate.rules.model.RequestHeaderMatchElement;
import io.surrogate.rules.model.RequestMethodMatchElement;
import io.surrogate.rules.model.RespondElement;
import io.surrogate.rules.model.ResponseHeaderElement;
import io.surrogate.rules.model.RulesElement;
import io.surrogate.rules.model.UriComponentMatchElement;
import io.surrogate.rules.model.UriPathMatchElement;
import io.surrogate.rules.model.VariableMatchElement;
import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlRootElement;
import java.lang.reflect.Field;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.XMLConstants;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import org.xml.sax.SAXException;

/**
 * The rule language, loaded once: the XSD (rules.xsd and the three documents it imports) and
 * the JAXB context of the model. Both are thread-safe.
 */
public final class RulesSchema {
    /** Every element that may stand in a rule body, plus the root. */
    static final List<Class<?>> ELEMENT_CLASSES = List.of(
            RulesElement.class,
            UriComponentMatchElement.class, UriPathMatchElement.class, RequestMethodMatchElement.class,
            HostMatchElement.class, RequestHeaderMatchElement.class, CookieMatchElement.class,
            QueryMatchElement.class, PostMatchElement.class, VariableMatchElement.class,
            ClientIpMatchElement.class, ExpressionMatchElement.class,
            AnyMatchElement.class, AllMatchElement.class, NotMatchElement.class,
            ExtractElement.class, JwtElement.class,
            HandleSubscriptionElement.class, RespondElement.class, DenyElement.class,
            ResponseHeaderElement.class, CorsElement.class, RateLimitElement.class);

    private static final RulesSchema INSTANCE = load();

    private final Schema schema;
    private final JAXBContext context;
    private final Map<String, Set<String>> attributesByElement;
    private final Set<String> elementNames;

    private RulesSchema(Schema schema, JAXBContext context) {
        this.schema = schema;
        this.context = context;
        Map<String, Set<String>> attributes = new LinkedHashMap<>();
        Set<String> names = new TreeSet<>();
        for (Class<?> type : ELEMENT_CLASSES) {
            XmlRootElement root = type.getAnnotation(XmlRootElement.class);
            String name = qualified(root.namespace(), root.name());
            names.add(name);
            Set<String> attrs = new TreeSet<>();
            List<String> children = new ArrayList<>();
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    XmlAttribute a = f.getAnnotation(XmlAttribute.class);
                    if (a != null) {
                        attrs.add(a.name());
                    }
                    XmlElement e = f.getAnnotation(XmlElement.class);
                    if (e != null) {
                        children.add(e.name());
                    }
                }
            }
            names.addAll(children);
            attributes.put(name, Set.copyOf(attrs));
        }
        names.addAll(List.of("key", "nonce-source", "lifetime"));
        this.attributesByElement = Map.copyOf(attributes);
        this.elementNames = Set.copyOf(names);
    }

    public static RulesSchema get() {
        return INSTANCE;
    }

    public Schema schema() {
        return schema;
    }

    public JAXBContext context() {
        return context;
    }

    /** Every element name of the language, prefixed as in canonical output ({@code match:host}). */
    public Set<String> elementNames() {
        return elementNames;
    }

    /** The attributes an element takes, by prefixed name; empty for unknown names. */
    public Set<String> attributesOf(String element) {
        return attributesByElement.getOrDefault(element, Set.of());
    }

    public static String qualified(String namespace, String local) {
        String prefix = Namespaces.prefixOf(namespace);
        return prefix.isEmpty() ? local : prefix + ":" + local;
    }

    /** The location of the schema's root document on the class path. */
    public static URL schemaLocation() {
        return RulesSchema.class.getResource("rules.xsd");
    }

    private static RulesSchema load() {
        try {
            SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            // The schema documents are our own class path resources (file: in a build, jar: in a jar);
            // nothing else may be fetched while loading them.
            factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "file,jar:file");
            Schema schema = factory.newSchema(schemaLocation());
            JAXBContext context = JAXBContext.newInstance(ELEMENT_CLASSES.toArray(Class<?>[]::new));
            return new RulesSchema(schema, context);
        } catch (SAXException | JAXBException e) {
            throw new IllegalStateException("the rule language schema does not load: " + e, e);
        }
    }
}
