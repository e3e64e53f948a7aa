using System.Text;

namespace ActorTracing.Cli.Admin;

/// <summary>
/// A small line editor over Console.ReadKey for the prompt on a real terminal: ←/→, Home/End,
/// Backspace/Delete, ↑/↓ history, Tab completion (a unique candidate completes; several are
/// listed). Redraws with ANSI sequences, which every terminal the CLI targets understands.
/// Ctrl-D on an empty line ends the prompt like end of input.
/// </summary>
internal static class LineEditor
{
    public static string? ReadLine(string prompt, IReadOnlyList<string> history, Func<string, IReadOnlyList<string>> complete)
    {
        var buffer = new StringBuilder();
        var cursor = 0;
        var historyIndex = history.Count;
        Console.Write(prompt);
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    return buffer.ToString();
                case ConsoleKey.Backspace when cursor > 0:
                    buffer.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < buffer.Length:
                    buffer.Remove(cursor, 1);
                    break;
                case ConsoleKey.LeftArrow when cursor > 0:
                    cursor--;
                    break;
                case ConsoleKey.RightArrow when cursor < buffer.Length:
                    cursor++;
                    break;
                case ConsoleKey.Home:
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                    cursor = buffer.Length;
                    break;
                case ConsoleKey.UpArrow when historyIndex > 0:
                    Replace(buffer, history[--historyIndex], ref cursor);
                    break;
                case ConsoleKey.DownArrow when historyIndex < history.Count:
                    historyIndex++;
                    Replace(buffer, historyIndex == history.Count ? string.Empty : history[historyIndex], ref cursor);
                    break;
                case ConsoleKey.Tab:
                    Complete(prompt, buffer, ref cursor, complete);
                    break;
                case ConsoleKey.D when (key.Modifiers & ConsoleModifiers.Control) != 0:
                    if (buffer.Length == 0)
                    {
                        Console.WriteLine();
                        return null;
                    }
                    break;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        buffer.Insert(cursor++, key.KeyChar);
                    }
                    break;
            }
            Redraw(prompt, buffer, cursor);
        }
    }

    private static void Complete(string prompt, StringBuilder buffer, ref int cursor, Func<string, IReadOnlyList<string>> complete)
    {
        // Completion works on the text before the cursor, like a shell.
        var before = buffer.ToString(0, cursor);
        var candidates = complete(before);
        if (candidates.Count == 0)
        {
            return;
        }
        var start = before.LastIndexOf(' ') + 1;
        var partial = before[start..];
        var common = candidates.Aggregate((a, b) => new string(a.Zip(b).TakeWhile(p => p.First == p.Second).Select(p => p.First).ToArray()));
        var insert = common.Length > partial.Length ? common[partial.Length..] : string.Empty;
        if (candidates.Count == 1)
        {
            insert += " ";
        }
        else if (insert.Length == 0)
        {
            Console.WriteLine();
            Console.WriteLine(string.Join("  ", candidates));
            Console.Write(prompt);
        }
        buffer.Insert(cursor, insert);
        cursor += insert.Length;
    }

    private static void Replace(StringBuilder buffer, string text, ref int cursor)
    {
        buffer.Clear().Append(text);
        cursor = buffer.Length;
    }

    private static void Redraw(string prompt, StringBuilder buffer, int cursor)
    {
        var back = buffer.Length - cursor;
        Console.Write("\r" + prompt + buffer + "\u001b[K" + (back > 0 ? $"\u001b[{back}D" : string.Empty));
    }
}
