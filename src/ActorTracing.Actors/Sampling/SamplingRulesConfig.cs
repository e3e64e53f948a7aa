using System.Globalization;
using System.Text.RegularExpressions;
using ActorTracing.Domain;
using ActorTracing.Domain.Sampling;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorTracing.Actors.Sampling;

/// <summary>
/// Reads the <c>actortracing.sampling</c> section (hocon/sampling-rules.conf documents every key)
/// into <see cref="SamplingRules"/>. Validation is complete and strict — unknown keys, wrong types,
/// out-of-range numbers, bad regexes, duplicate names — and every error names the exact key, so a
/// typo fails the node at startup instead of silently keeping or dropping everything.
/// </summary>
public static class SamplingRulesConfig
{
    public const string SectionPath = "actortracing.sampling";

    private static readonly Regex NamePattern = new("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant);

    private static readonly Regex DurationPattern = new(
        @"^\s*(?<n>[0-9]+(?:\.[0-9]+)?)\s*(?<u>ns|nanos?|nanoseconds?|us|micros?|microseconds?|ms|millis?|milliseconds?|s|seconds?|m|minutes?|h|hours?|d|days?)\s*$",
        RegexOptions.CultureInvariant);

    private static readonly string[] SectionKeys = ["rules", "default"];
    private static readonly string[] RuleKeys = ["name", "condition", "action"];
    private static readonly string[] KeepKeys = ["type", "sample-percentage", "sample-rate", "hash-salt", "rate-limit"];
    private static readonly string[] RateLimitKeys = ["traces-per-second", "burst", "over-limit-percentage", "per"];
    private static readonly string[] CategoriesKeys = ["type", "key", "scope", "route-keys", "categories"];
    private static readonly string[] CategoryKeys = ["name", "values", "routes", "route-patterns", "condition", "action"];

    /// <summary>Parses <c>actortracing.sampling</c> from <paramref name="config"/>; throws <see cref="SamplingConfigException"/>.</summary>
    public static SamplingRules Parse(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.HasPath(SectionPath))
        {
            throw new SamplingConfigException(SectionPath, "section missing; include hocon/sampling-rules.conf or define rules and default");
        }
        var section = config.GetValue(SectionPath);
        if (section is null || !section.IsObject())
        {
            throw new SamplingConfigException(SectionPath, "expected an object with rules and default");
        }
        var node = new Node(section.GetObject(), SectionPath);
        node.CheckKeys(SectionKeys);

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var rules = new List<SamplingRule>();
        var ruleValues = node.OptionalList("rules");
        for (var i = 0; i < ruleValues.Count; i++)
        {
            rules.Add(ParseRule(node.ListItemAsObject("rules", ruleValues, i), names));
        }

        var defaultAction = node.Has("default")
            ? ParseAction(node, "default", SamplingReasons.DefaultName, allowCategories: false, names)
            : throw new SamplingConfigException($"{SectionPath}.default", "missing; say what happens to traces no rule matches, e.g. default { type = keep, sample-percentage = 10 }");

        var parsed = new SamplingRules(rules, defaultAction);
        try
        {
            // The Domain re-validates; anything it still rejects is a gap here, not a user error to hide.
            _ = new TraceSampler(parsed);
        }
        catch (ArgumentException e)
        {
            throw new SamplingConfigException(SectionPath, e.Message, e);
        }
        return parsed;
    }

    /// <summary>Parses HOCON text (a whole file such as hocon/sampling-rules.conf).</summary>
    public static SamplingRules Parse(string hocon) => Parse(ConfigurationFactory.ParseString(hocon));

    private static SamplingRule ParseRule(Node rule, Dictionary<string, string> names)
    {
        rule.CheckKeys(RuleKeys);
        var name = ParseName(rule, names);
        var condition = rule.Has("condition") ? ParseCondition(rule.Object("condition")) : AlwaysCondition.Instance;
        if (!rule.Has("action"))
        {
            throw new SamplingConfigException(rule.PathOf("action"), "missing; expected keep, drop or categories");
        }
        return new SamplingRule(name, condition, ParseAction(rule, "action", name, allowCategories: true, names));
    }

    private static string ParseName(Node node, Dictionary<string, string> names)
    {
        var name = node.RequiredString("name");
        var path = node.PathOf("name");
        if (!NamePattern.IsMatch(name))
        {
            throw new SamplingConfigException(path, $"'{name}' is not a valid name; use letters, digits, '.', '_' and '-' (it becomes part of decision reasons)");
        }
        if (name == SamplingReasons.DefaultName)
        {
            throw new SamplingConfigException(path, "'default' is reserved for the default action");
        }
        // Names identify reasons and rate limiters, so rules and categories share one namespace.
        if (names.TryGetValue(name, out var previous))
        {
            throw new SamplingConfigException(path, $"'{name}' is already used by {previous}");
        }
        names.Add(name, node.Path);
        return name;
    }

    private static SamplingAction ParseAction(Node parent, string key, string name, bool allowCategories, Dictionary<string, string> names)
    {
        var path = parent.PathOf(key);
        Node action;
        string type;
        if (parent.IsObject(key))
        {
            action = parent.Object(key);
            type = action.RequiredString("type");
        }
        else
        {
            // Shorthand: action = keep / action = drop.
            action = Node.Empty(path);
            type = parent.RequiredString(key);
        }
        switch (type)
        {
            case "keep":
                action.CheckKeys(KeepKeys);
                return ParseKeep(action);
            case "drop":
                action.CheckKeys(["type"]);
                return DropAction.Instance;
            case "categories" when allowCategories:
                action.CheckKeys(CategoriesKeys);
                return ParseCategories(action, names);
            case "categories":
                throw new SamplingConfigException(action.PathOf("type"), "categories cannot be nested or used as the default; expected keep or drop");
            default:
                throw new SamplingConfigException(
                    action.Has("type") ? action.PathOf("type") : path,
                    $"expected {(allowCategories ? "keep, drop or categories" : "keep or drop")}, got '{type}'");
        }
    }

    private static KeepAction ParseKeep(Node action)
    {
        var probability = 1.0;
        if (action.Has("sample-percentage") && action.Has("sample-rate"))
        {
            throw new SamplingConfigException(action.PathOf("sample-rate"), "set sample-percentage or sample-rate, not both");
        }
        if (action.Has("sample-percentage"))
        {
            var percentage = action.Double("sample-percentage");
            if (!(percentage > 0 && percentage <= 100))
            {
                throw new SamplingConfigException(action.PathOf("sample-percentage"), $"expected a percentage above 0 and at most 100, got '{action.RawString("sample-percentage")}' (to drop everything use type = drop)");
            }
            probability = percentage / 100;
        }
        else if (action.Has("sample-rate"))
        {
            var rate = action.Double("sample-rate");
            if (!(rate >= 1) || double.IsInfinity(rate))
            {
                throw new SamplingConfigException(action.PathOf("sample-rate"), $"expected a rate of at least 1 (keep 1 in N traces), got '{action.RawString("sample-rate")}'");
            }
            probability = 1 / rate;
        }
        var salt = action.Has("hash-salt") ? action.RequiredString("hash-salt") : string.Empty;
        RateLimitSpec? limit = null;
        if (action.Has("rate-limit"))
        {
            var rl = action.Object("rate-limit");
            rl.CheckKeys(RateLimitKeys);
            var perSecond = rl.Double("traces-per-second", required: true);
            if (!(perSecond > 0) || double.IsInfinity(perSecond))
            {
                throw new SamplingConfigException(rl.PathOf("traces-per-second"), $"expected a positive number of traces per second, got '{rl.RawString("traces-per-second")}'");
            }
            var burst = rl.Has("burst") ? rl.Double("burst") : Math.Max(1, perSecond);
            if (!(burst >= 1) || double.IsInfinity(burst))
            {
                throw new SamplingConfigException(rl.PathOf("burst"), $"expected at least 1 trace, got '{rl.RawString("burst")}'");
            }
            var overLimit = rl.Has("over-limit-percentage") ? rl.Double("over-limit-percentage") : 0;
            if (!(overLimit >= 0 && overLimit <= 100))
            {
                throw new SamplingConfigException(rl.PathOf("over-limit-percentage"), $"expected a percentage from 0 to 100, got '{rl.RawString("over-limit-percentage")}'");
            }
            var per = rl.Has("per") ? rl.RequiredString("per") : "cluster";
            if (per is not ("cluster" or "node"))
            {
                throw new SamplingConfigException(rl.PathOf("per"), $"expected cluster (the rate is the whole cluster's) or node (each node's), got '{per}'");
            }
            limit = new RateLimitSpec(perSecond, burst, overLimit / 100, ClusterWide: per == "cluster");
        }
        return new KeepAction(probability, limit, salt);
    }

    private static CategoryAction ParseCategories(Node action, Dictionary<string, string> names)
    {
        var key = action.Has("key") ? action.RequiredString("key") : null;
        var scope = action.Has("scope") ? ParseScope(action, "scope") : SpanScope.AnySpan;
        var routeKeys = action.Has("route-keys") ? action.StringList("route-keys", nonEmpty: true) : RouteCondition.DefaultKeys;
        var items = action.OptionalList("categories");
        if (items.Count == 0)
        {
            throw new SamplingConfigException(action.PathOf("categories"), "expected a non-empty list of categories");
        }
        var categories = new List<SamplingCategory>();
        for (var i = 0; i < items.Count; i++)
        {
            var category = action.ListItemAsObject("categories", items, i);
            category.CheckKeys(CategoryKeys);
            var name = ParseName(category, names);
            var parts = new List<SamplingCondition>();
            if (category.Has("values"))
            {
                if (key is null)
                {
                    throw new SamplingConfigException(category.PathOf("values"), $"values need the attribute to compare: set {action.PathOf("key")}");
                }
                parts.Add(new StringAttributeCondition(key, category.StringList("values", nonEmpty: true), [], Scope: scope));
            }
            if (category.Has("routes") || category.Has("route-patterns"))
            {
                var globs = category.Has("routes") ? category.StringList("routes", nonEmpty: true) : [];
                var patterns = category.Has("route-patterns") ? category.StringList("route-patterns", nonEmpty: true) : [];
                ValidateGlobs(category, "routes", globs);
                ValidateRegexes(category, "route-patterns", patterns);
                parts.Add(new RouteCondition(globs, patterns, routeKeys, scope));
            }
            if (category.Has("condition"))
            {
                parts.Add(ParseCondition(category.Object("condition")));
            }
            if (parts.Count == 0)
            {
                if (key is null)
                {
                    throw new SamplingConfigException(category.Path, "a category needs values, routes, route-patterns or condition (or a key on the action, to match its name)");
                }
                // The common case reads best with no repetition: { name = api } under key = function_type.
                parts.Add(new StringAttributeCondition(key, [name], [], Scope: scope));
            }
            if (!category.Has("action"))
            {
                throw new SamplingConfigException(category.PathOf("action"), "missing; expected keep or drop");
            }
            var categoryAction = ParseAction(category, "action", name, allowCategories: false, names);
            categories.Add(new SamplingCategory(name, parts.Count == 1 ? parts[0] : new AnyCondition(parts), categoryAction));
        }
        return new CategoryAction(categories);
    }

    private static SamplingCondition ParseCondition(Node condition)
    {
        var type = condition.RequiredString("type");
        switch (type)
        {
            case "always":
                condition.CheckKeys(["type"]);
                return AlwaysCondition.Instance;
            case "all":
            case "any":
            {
                condition.CheckKeys(["type", "conditions"]);
                var items = condition.OptionalList("conditions");
                if (items.Count == 0)
                {
                    throw new SamplingConfigException(condition.PathOf("conditions"), $"expected a non-empty list of conditions for type = {type}");
                }
                var inner = Enumerable.Range(0, items.Count).Select(i => ParseCondition(condition.ListItemAsObject("conditions", items, i))).ToList();
                return type == "all" ? new AllCondition(inner) : new AnyCondition(inner);
            }
            case "not":
                condition.CheckKeys(["type", "condition"]);
                return new NotCondition(ParseCondition(condition.Object("condition")));
            case "status-code":
                condition.CheckKeys(["type", "codes"]);
                return condition.Has("codes")
                    ? new StatusCodeCondition(condition.StringList("codes", nonEmpty: true).Select((c, i) => ParseStatus(condition.PathOf("codes") + $"[{i}]", c)).ToList())
                    : StatusCodeCondition.Error;
            case "latency":
            {
                condition.CheckKeys(["type", "threshold", "upper-threshold", "measure"]);
                var threshold = condition.Duration("threshold");
                TimeSpan? upper = condition.Has("upper-threshold") ? condition.Duration("upper-threshold") : null;
                if (upper <= threshold)
                {
                    throw new SamplingConfigException(condition.PathOf("upper-threshold"), $"must be above threshold ({condition.RawString("threshold")}), got '{condition.RawString("upper-threshold")}'");
                }
                var measure = condition.Has("measure")
                    ? condition.RequiredString("measure") switch
                    {
                        "root" => LatencyMeasure.Root,
                        "trace" => LatencyMeasure.Trace,
                        "root-or-trace" => LatencyMeasure.RootOrTrace,
                        var other => throw new SamplingConfigException(condition.PathOf("measure"), $"expected root, trace or root-or-trace, got '{other}'"),
                    }
                    : LatencyMeasure.RootOrTrace;
                return new LatencyCondition(threshold, upper, measure);
            }
            case "string-attribute":
            {
                condition.CheckKeys(["type", "key", "values", "patterns", "invert", "scope"]);
                var values = condition.Has("values") ? condition.StringList("values", nonEmpty: true) : [];
                var patterns = condition.Has("patterns") ? condition.StringList("patterns", nonEmpty: true) : [];
                if (values.Count == 0 && patterns.Count == 0)
                {
                    throw new SamplingConfigException(condition.PathOf("values"), "a string-attribute condition needs values, patterns or both");
                }
                ValidateRegexes(condition, "patterns", patterns);
                return new StringAttributeCondition(
                    condition.RequiredString("key"),
                    values,
                    patterns,
                    condition.Has("invert") && condition.Bool("invert"),
                    ScopeOrDefault(condition));
            }
            case "numeric-attribute":
            {
                condition.CheckKeys(["type", "key", "min", "max", "scope"]);
                double? min = condition.Has("min") ? condition.Double("min") : null;
                double? max = condition.Has("max") ? condition.Double("max") : null;
                if (min is null && max is null)
                {
                    throw new SamplingConfigException(condition.PathOf("min"), "a numeric-attribute condition needs min, max or both");
                }
                if (min > max)
                {
                    throw new SamplingConfigException(condition.PathOf("max"), $"must be at least min ({min.Value.ToString(CultureInfo.InvariantCulture)}), got '{condition.RawString("max")}'");
                }
                return new NumericAttributeCondition(condition.RequiredString("key"), min, max, ScopeOrDefault(condition));
            }
            case "boolean-attribute":
                condition.CheckKeys(["type", "key", "value", "scope"]);
                return new BooleanAttributeCondition(condition.RequiredString("key"), condition.Bool("value", required: true), ScopeOrDefault(condition));
            case "attribute-exists":
                condition.CheckKeys(["type", "key", "scope"]);
                return new AttributeExistsCondition(condition.RequiredString("key"), ScopeOrDefault(condition));
            case "span-count":
            {
                condition.CheckKeys(["type", "min", "max"]);
                var min = condition.Has("min") ? condition.Int("min") : 0;
                int? max = condition.Has("max") ? condition.Int("max") : null;
                if (!condition.Has("min") && max is null)
                {
                    throw new SamplingConfigException(condition.PathOf("min"), "a span-count condition needs min, max or both");
                }
                if (max < min)
                {
                    throw new SamplingConfigException(condition.PathOf("max"), $"must be at least min ({min}), got '{condition.RawString("max")}'");
                }
                return new SpanCountCondition(min, max);
            }
            case "span-kind":
                condition.CheckKeys(["type", "kinds", "scope"]);
                return new SpanKindCondition(
                    condition.StringList("kinds", nonEmpty: true).Select((k, i) => ParseKind(condition.PathOf("kinds") + $"[{i}]", k)).ToList(),
                    ScopeOrDefault(condition));
            case "route":
            {
                condition.CheckKeys(["type", "globs", "patterns", "keys", "scope"]);
                var globs = condition.Has("globs") ? condition.StringList("globs", nonEmpty: true) : [];
                var patterns = condition.Has("patterns") ? condition.StringList("patterns", nonEmpty: true) : [];
                if (globs.Count == 0 && patterns.Count == 0)
                {
                    throw new SamplingConfigException(condition.PathOf("globs"), "a route condition needs globs, patterns or both");
                }
                ValidateGlobs(condition, "globs", globs);
                ValidateRegexes(condition, "patterns", patterns);
                var keys = condition.Has("keys") ? condition.StringList("keys", nonEmpty: true) : RouteCondition.DefaultKeys;
                return new RouteCondition(globs, patterns, keys, ScopeOrDefault(condition));
            }
            case "completion-reason":
                condition.CheckKeys(["type", "reasons"]);
                return new CompletionReasonCondition(condition.StringList("reasons", nonEmpty: true));
            default:
                throw new SamplingConfigException(
                    condition.PathOf("type"),
                    $"unknown condition type '{type}'; expected always, all, any, not, status-code, latency, string-attribute, numeric-attribute, boolean-attribute, attribute-exists, span-count, span-kind, route or completion-reason");
        }
    }

    private static SpanScope ScopeOrDefault(Node condition) => condition.Has("scope") ? ParseScope(condition, "scope") : SpanScope.AnySpan;

    private static SpanScope ParseScope(Node node, string key) => node.RequiredString(key) switch
    {
        "any" => SpanScope.AnySpan,
        "root" => SpanScope.RootSpan,
        var other => throw new SamplingConfigException(node.PathOf(key), $"expected any or root, got '{other}'"),
    };

    private static SpanStatusCode ParseStatus(string path, string value) => value.ToLowerInvariant() switch
    {
        "unset" => SpanStatusCode.Unset,
        "ok" => SpanStatusCode.Ok,
        "error" => SpanStatusCode.Error,
        _ => throw new SamplingConfigException(path, $"expected unset, ok or error, got '{value}'"),
    };

    private static SpanKind ParseKind(string path, string value) => value.ToLowerInvariant() switch
    {
        "unspecified" => SpanKind.Unspecified,
        "internal" => SpanKind.Internal,
        "server" => SpanKind.Server,
        "client" => SpanKind.Client,
        "producer" => SpanKind.Producer,
        "consumer" => SpanKind.Consumer,
        _ => throw new SamplingConfigException(path, $"expected internal, server, client, producer, consumer or unspecified, got '{value}'"),
    };

    private static void ValidateRegexes(Node node, string key, IReadOnlyList<string> patterns)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            try
            {
                _ = new Regex(patterns[i], RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                throw new SamplingConfigException($"{node.PathOf(key)}[{i}]", $"invalid regular expression '{patterns[i]}': {e.Message}", e);
            }
        }
    }

    private static void ValidateGlobs(Node node, string key, IReadOnlyList<string> globs)
    {
        for (var i = 0; i < globs.Count; i++)
        {
            try
            {
                _ = RouteGlob.ToRegex(globs[i]);
            }
            catch (ArgumentException e)
            {
                throw new SamplingConfigException($"{node.PathOf(key)}[{i}]", $"invalid glob '{globs[i]}': unbalanced '{{'", e);
            }
        }
    }

    /// <summary>Parses a HOCON duration with a unit (ns, us, ms, s, m, h, d, or their long names); errors name <paramref name="path"/>.</summary>
    public static TimeSpan ParseDuration(string path, string? raw)
    {
        var match = raw is null ? null : DurationPattern.Match(raw);
        if (match is null || !match.Success)
        {
            throw new SamplingConfigException(path, $"expected a duration like 2s, got '{raw}'");
        }
        var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var unit = match.Groups["u"].Value;
        var ticksPerUnit = unit[0] switch
        {
            'n' => 0.01,
            'u' => 10.0,
            'm' when unit is "m" or "minute" or "minutes" => TimeSpan.TicksPerMinute,
            'm' => TimeSpan.TicksPerMillisecond,
            's' => TimeSpan.TicksPerSecond,
            'h' => TimeSpan.TicksPerHour,
            _ => TimeSpan.TicksPerDay,
        };
        return TimeSpan.FromTicks((long)Math.Round(number * ticksPerUnit));
    }

    /// <summary>A HOCON object plus the path it was found at, with typed, path-naming accessors.</summary>
    private sealed class Node(IDictionary<string, HoconValue> items, string path)
    {
        public Node(HoconObject obj, string path)
            : this(obj.Items, path)
        {
        }

        public string Path { get; } = path;

        public static Node Empty(string path) => new(new Dictionary<string, HoconValue>(), path);

        public string PathOf(string key) => $"{Path}.{key}";

        public bool Has(string key) => items.TryGetValue(key, out var value) && value is not null && !value.IsEmpty;

        public bool IsObject(string key) => Has(key) && items[key].IsObject();

        public void CheckKeys(IReadOnlyCollection<string> allowed)
        {
            foreach (var key in items.Keys)
            {
                if (!allowed.Contains(key))
                {
                    throw new SamplingConfigException(PathOf(key), $"unknown key; expected one of {string.Join(", ", allowed)}");
                }
            }
        }

        public Node Object(string key)
        {
            if (!Has(key))
            {
                throw new SamplingConfigException(PathOf(key), "missing; expected an object { ... }");
            }
            var value = items[key];
            if (!value.IsObject())
            {
                throw new SamplingConfigException(PathOf(key), $"expected an object {{ ... }}, got '{Describe(value)}'");
            }
            return new Node(value.GetObject(), PathOf(key));
        }

        public IList<HoconValue> OptionalList(string key)
        {
            if (!Has(key))
            {
                return [];
            }
            var value = items[key];
            if (!TryList(value, out var list))
            {
                throw new SamplingConfigException(PathOf(key), $"expected a list [ ... ], got '{Describe(value)}'");
            }
            return list;
        }

        public Node ListItemAsObject(string key, IList<HoconValue> list, int index)
        {
            var itemPath = $"{PathOf(key)}[{index}]";
            var value = list[index];
            if (!value.IsObject())
            {
                throw new SamplingConfigException(itemPath, $"expected an object {{ ... }}, got '{Describe(value)}'");
            }
            return new Node(value.GetObject(), itemPath);
        }

        public string? RawString(string key) => Has(key) && items[key].IsString() ? items[key].GetString() : null;

        public string RequiredString(string key)
        {
            if (!Has(key))
            {
                throw new SamplingConfigException(PathOf(key), "missing");
            }
            var value = items[key];
            if (!value.IsString())
            {
                throw new SamplingConfigException(PathOf(key), $"expected a string, got '{Describe(value)}'");
            }
            var text = value.GetString();
            if (string.IsNullOrEmpty(text))
            {
                throw new SamplingConfigException(PathOf(key), "must not be empty");
            }
            return text;
        }

        public IReadOnlyList<string> StringList(string key, bool nonEmpty)
        {
            if (!Has(key))
            {
                throw new SamplingConfigException(PathOf(key), "missing; expected a list of strings");
            }
            var value = items[key];
            List<string> result;
            if (TryList(value, out var array))
            {
                result = [];
                for (var i = 0; i < array.Count; i++)
                {
                    if (!array[i].IsString())
                    {
                        throw new SamplingConfigException($"{PathOf(key)}[{i}]", $"expected a string, got '{Describe(array[i])}'");
                    }
                    result.Add(array[i].GetString());
                }
            }
            else if (value.IsString())
            {
                // A single value where a list is expected reads naturally (codes = error); accept it.
                result = [value.GetString()];
            }
            else
            {
                throw new SamplingConfigException(PathOf(key), $"expected a list of strings, got '{Describe(value)}'");
            }
            if (nonEmpty && result.Count == 0)
            {
                throw new SamplingConfigException(PathOf(key), "expected at least one value");
            }
            return result;
        }

        public double Double(string key, bool required = false)
        {
            if (required && !Has(key))
            {
                throw new SamplingConfigException(PathOf(key), "missing; expected a number");
            }
            var raw = RawString(key);
            if (raw is null || !double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
            {
                throw new SamplingConfigException(PathOf(key), $"expected a number, got '{raw ?? Describe(items[key])}'");
            }
            return number;
        }

        public int Int(string key)
        {
            var raw = RawString(key);
            if (raw is null || !int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < 0)
            {
                throw new SamplingConfigException(PathOf(key), $"expected a whole number of 0 or more, got '{raw ?? Describe(items[key])}'");
            }
            return number;
        }

        public bool Bool(string key, bool required = false)
        {
            if (required && !Has(key))
            {
                throw new SamplingConfigException(PathOf(key), "missing; expected true or false");
            }
            return RawString(key) switch
            {
                "true" or "yes" or "on" => true,
                "false" or "no" or "off" => false,
                var other => throw new SamplingConfigException(PathOf(key), $"expected true or false, got '{other ?? Describe(items[key])}'"),
            };
        }

        public TimeSpan Duration(string key)
        {
            if (!Has(key))
            {
                throw new SamplingConfigException(PathOf(key), "missing; expected a duration like 2s");
            }
            return ParseDuration(PathOf(key), RawString(key) ?? Describe(items[key]));
        }

        private static bool TryList(HoconValue value, out IList<HoconValue> list)
        {
            if (value.IsArray())
            {
                list = value.GetArray();
                return true;
            }
            // Akka's HoconValue.IsArray() is false for an empty list ([]), which is still a list;
            // the parser may also keep the whitespace after it as a literal.
            var elements = value.Values.Where(v => v is not HoconLiteral literal || !string.IsNullOrWhiteSpace(literal.Value)).ToList();
            if (elements.Count > 0 && elements.All(v => v is HoconArray))
            {
                list = [.. elements.SelectMany(v => v.GetArray())];
                return true;
            }
            list = [];
            return false;
        }

        private static string Describe(HoconValue value)
            => value.IsObject() ? "an object" : TryList(value, out _) ? "a list" : value.IsString() ? value.GetString() : value.ToString();
    }
}
