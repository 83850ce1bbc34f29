package net.taprouter.control.command;

/** A command that cannot be carried out; the message is one line for the user. */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommandException(String message) {
        super(message, null, false, false);
    }
}
