package net.taprouter.control.command;

/** The commands of one object ({@code link}, {@code route}...). */
public interface CommandGroup {
    /** The object word, e.g. "route". */
    String object();

    /** Runs {@code verb} with the remaining words; output goes to {@code out}. */
    void execute(String verb, Args args, Output out);

    /** Usage lines for {@code routerctl OBJECT help}. */
    String help();
}
