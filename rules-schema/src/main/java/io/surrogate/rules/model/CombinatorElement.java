package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlTransient;
import java.util.ArrayList;
import java.util.List;

/** {@code match:any}, {@code match:all}, {@code match:not}: operands in {@code <when>}, then a body. */
@XmlTransient
public abstract class CombinatorElement extends BlockElement {
    @XmlElement(name = "when", namespace = Namespaces.RULES)
    private WhenElement when;

    public WhenElement when() {
        return when;
    }

    @Override
    public List<Located> children() {
        List<Located> out = new ArrayList<>(present(when));
        out.addAll(super.children());
        return out;
    }
}
