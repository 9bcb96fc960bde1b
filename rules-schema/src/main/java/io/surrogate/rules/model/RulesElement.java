package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlRootElement;
import java.util.ArrayList;
import java.util.List;

/** {@code <rules>}: the root of a rule file. */
@XmlRootElement(name = "rules", namespace = Namespaces.RULES)
public class RulesElement extends Located {
    @XmlAnyElement(lax = true)
    private List<Object> statements = new ArrayList<>();

    public List<StatementElement> statements() {
        return Bodies.statements(statements);
    }

    @Override
    public List<Located> children() {
        return located(statements);
    }

    @Override
    public String elementName() {
        return "rules";
    }
}
