using Microsoft.Extensions.Logging;
using OpenMss.Core.Privacy;
using OpenMss.Smtp.Protocol;

namespace OpenMss.Smtp.Inbound;

/// <summary>The DATA command of <see cref="SmtpSession"/> (RFC 5321 §4.1.1.4): the message text through <see cref="SmtpDataDecoder"/>, then the policy's verdict.</summary>
internal sealed partial class SmtpSession
{
    // ---- DATA ------------------------------------------------------------------------------

    private async ValueTask<Next> DataAsync()
    {
        var transaction = _transaction!;
        Write(SmtpReplies.StartMailInput);
        await FlushAsync(_options.CommandTimeout).ConfigureAwait(false);

        var decoder = _decoder ??= new SmtpDataDecoder();
        using var buffer = new MessageBuffer(transaction.Parameters.Size ?? 0, _options.MaxMessageSize);
        decoder.Reset(buffer, _options.MaxMessageSize);
        var status = await ReadDataAsync(decoder).ConfigureAwait(false);
        if (status == LineStatus.Closed)
        {
            return Next.Close;
        }

        if (status == LineStatus.Timeout)
        {
            SmtpLog.TimedOut(_logger, Id, _options.DataTimeout);
            SmtpMetrics.Refused(SmtpReplies.Timeout.Reason);
            await SendFinalAsync(SmtpReplies.Timeout).ConfigureAwait(false);
            return Next.Close;
        }

        SmtpMetrics.BytesCounter.Add(decoder.Size);
        var reply = decoder.Verdict;
        if (reply is null)
        {
            try
            {
                reply = await _policy.OnMessageAsync(_context, transaction, new SmtpMessageContent(buffer), _abort).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                reply = PolicyFailed(SmtpVerb.Data, ex);
            }
        }

        Write(reply);
        if (reply.IsPositive)
        {
            SmtpMetrics.AcceptedCounter.Add(1);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                SmtpLog.MessageAccepted(_logger, Id, transaction.Id, decoder.Size, transaction.Recipients.Count, RecipientDomains(transaction));
            }
        }
        else
        {
            SmtpMetrics.Refused(reply.Reason);
            SmtpLog.MessageRefused(_logger, Id, transaction.Id, reply.Code, reply.EnhancedStatus, reply.Reason, decoder.Size);
        }

        // Whatever the outcome, the transaction is over (RFC 5321 §4.1.1.4).
        _transaction = null;
        _state = SmtpStateTable.Next(_state, SmtpVerb.Data);
        return Next.Continue;
    }

    private async ValueTask<LineStatus> ReadDataAsync(SmtpDataDecoder decoder)
    {
        while (true)
        {
            if (!_reader.TryRead(out var result))
            {
                _timeout.CancelAfter(_options.DataTimeout);
                try
                {
                    result = await _reader.ReadAsync(_timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_timeout.IsCancellationRequested)
                {
                    return LineStatus.Timeout;
                }

                ResetTimeout();
            }

            // A stop request that raced with the end of a command read may cancel this read: the
            // message is still received to its end (IsCanceled is ignored here).
            var buffer = result.Buffer;
            long consumed = 0;
            foreach (var segment in buffer)
            {
                consumed += decoder.Decode(segment.Span);
                if (decoder.IsComplete)
                {
                    break;
                }
            }

            _reader.AdvanceTo(buffer.GetPosition(consumed));
            if (decoder.IsComplete)
            {
                return LineStatus.Line;
            }

            if (result.IsCompleted)
            {
                return LineStatus.Closed;
            }
        }
    }

    private static string RecipientDomains(SmtpTransaction transaction)
    {
        var domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in transaction.Recipients)
        {
            domains.Add(LogPseudonym.DomainOf(recipient.Address));
        }

        return string.Join(",", domains);
    }
}
