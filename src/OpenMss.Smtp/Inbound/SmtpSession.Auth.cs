using Microsoft.Extensions.Logging;
using OpenMss.Smtp.Protocol;

namespace OpenMss.Smtp.Inbound;

/// <summary>AUTH for <see cref="SmtpSession"/> (RFC 4954): the policy runs the SASL exchange through a channel that sends <c>334</c> challenges and reads the answers.</summary>
internal sealed partial class SmtpSession
{
    // ---- AUTH (RFC 4954) ---------------------------------------------------------------------

    private async ValueTask<Next> AuthAsync(SimpleCommand command)
    {
        SmtpReply reply;
        _saslFailure = null;
        try
        {
            reply = await _policy.OnAuthenticateAsync(_context, command.Argument ?? string.Empty, _saslChannel ??= new SaslChannel(this), _abort).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            reply = PolicyFailed(SmtpVerb.Auth, ex);
        }

        switch (_saslFailure)
        {
            case LineStatus.Closed:
                return Next.Close;
            case LineStatus.Timeout:
                SmtpLog.TimedOut(_logger, Id, _options.CommandTimeout);
                await SendFinalAsync(SmtpReplies.Timeout).ConfigureAwait(false);
                return Next.Close;
            case LineStatus.Stopped:
                await SendFinalAsync(SmtpReplies.ShuttingDown).ConfigureAwait(false);
                return Next.Close;
            case LineStatus.TooLong:
                reply = SmtpReplies.AuthLineTooLong;
                break;
        }

        // The command's argument (credentials) is never logged: Refuse logs only the verb and the outcome.
        if (reply.IsPositive)
        {
            Write(reply);
            return Next.Continue;
        }

        return Refuse(SmtpVerb.Auth, reply) ? Next.Close : Next.Continue;
    }

    /// <summary>Sends a <c>334</c> challenge and reads the client's response line; null when the exchange cannot go on (<see cref="_saslFailure"/> says why).</summary>
    private async ValueTask<string?> ChallengeAsync(string challenge)
    {
        if (_saslFailure is not null)
        {
            return null;
        }

        Write(SmtpReplies.AuthChallenge(challenge));
        _saslExchange = true;
        LineStatus status;
        try
        {
            status = await ReadLineAsync().ConfigureAwait(false);
        }
        finally
        {
            _saslExchange = false;
        }

        if (status != LineStatus.Line)
        {
            _saslFailure = status;
            return null;
        }

        return System.Text.Encoding.ASCII.GetString(_line, 0, _lineLength);
    }

    private sealed class SaslChannel(SmtpSession session) : ISaslChannel
    {
        public ValueTask<string?> ChallengeAsync(string challenge, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(challenge);
            cancellationToken.ThrowIfCancellationRequested();
            return session.ChallengeAsync(challenge);
        }
    }
}
