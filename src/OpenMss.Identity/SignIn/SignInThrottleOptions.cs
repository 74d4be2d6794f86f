namespace OpenMss.Identity.SignIn;

/// <summary>
/// How failed sign-ins are slowed down (issue 4, "Protection"): after <see cref="FailuresPerAccount"/>
/// failures on one identifier, or <see cref="FailuresPerAddress"/> from one client address, further
/// attempts are refused for <see cref="LockoutDuration"/>, doubled at each new lockout up to
/// <see cref="MaximumLockoutDuration"/>. Counters are forgotten after <see cref="ForgetAfter"/> without failure.
/// </summary>
public sealed class SignInThrottleOptions
{
    /// <summary>Failures on one identifier (known or not) before it is locked. Default 5.</summary>
    public int FailuresPerAccount { get; set; } = 5;

    /// <summary>Failures from one client address before it is locked. Default 20 (a pharmacy shares one address).</summary>
    public int FailuresPerAddress { get; set; } = 20;

    /// <summary>First lockout. Default 1 minute.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Longest lockout. Default 1 hour.</summary>
    public TimeSpan MaximumLockoutDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Quiet time after which failures and past lockouts no longer count. Default 1 hour.</summary>
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromHours(1);

    internal void Validate()
    {
        if (FailuresPerAccount < 1 || FailuresPerAddress < 1)
        {
            throw new ArgumentException("Failure thresholds must be at least 1.");
        }

        if (LockoutDuration <= TimeSpan.Zero || MaximumLockoutDuration < LockoutDuration || ForgetAfter <= TimeSpan.Zero)
        {
            throw new ArgumentException("Lockout durations must be positive, the maximum at least the first.");
        }
    }
}
