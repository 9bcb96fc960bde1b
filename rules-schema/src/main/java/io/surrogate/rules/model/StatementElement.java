package io.surrogate.rules.model;

import jakarta.xml.bind.annotation.XmlTransient;

/** Anything that may stand in a rule body: a match, a variable extract, an action. */
@XmlTransient
public abstract class StatementElement extends Located {
}
