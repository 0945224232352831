using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using MimeKit;

namespace ContractTherapy.Invoicing.NotifyingAgencies;

/// <summary>The SMTP server did not take the notice (unreachable, dropped the connection, a 4xx or 5xx, a timeout): retry it later.</summary>
public sealed class NoticeDeliveryFailed(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Sends invoice notices over SMTP with MailKit (<c>Mail:Smtp:*</c>, <c>Mail:From</c>, <c>Portal:BaseUrl</c>).
/// Configuration is read on each send, so a notice never outlives a stale setting. Without
/// <c>Mail:Smtp:Host</c> it is not configured and notices are recorded as not sent, with the reason.
/// </summary>
public sealed class InvoiceMailer(IConfiguration config)
{
    public const string NotConfigured = "No SMTP server is configured (Mail:Smtp:Host).";

    /// <summary>Why a notice cannot be sent at all (configuration), or null when it can.</summary>
    public string? CannotSendBecause(out MailboxAddress? from, out string? portalBaseUrl)
    {
        from = null;
        portalBaseUrl = config["Portal:BaseUrl"];
        if (string.IsNullOrWhiteSpace(config["Mail:Smtp:Host"])) return NotConfigured;
        if (!MailboxAddress.TryParse(config["Mail:From"] ?? "", out from)) return "Mail:From is not set to a valid address.";
        if (!Uri.TryCreate(portalBaseUrl, UriKind.Absolute, out var portal) || portal.Scheme is not ("https" or "http"))
            return "Portal:BaseUrl is not set to an absolute http(s) address.";
        return null;
    }

    /// <summary>Hands the message to the SMTP server; returns once the server accepted it (250 after DATA).</summary>
    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        var host = config["Mail:Smtp:Host"]!;
        var port = config.GetValue("Mail:Smtp:Port", 25);
        var security = config.GetValue("Mail:Smtp:Security", SecureSocketOptions.Auto);
        using var client = new SmtpClient { Timeout = (int)TimeSpan.FromSeconds(config.GetValue("Mail:Smtp:TimeoutSeconds", 30.0)).TotalMilliseconds };
        try
        {
            await client.ConnectAsync(host, port, security, ct);
            if (config["Mail:Smtp:Username"] is { Length: > 0 } user)
                await client.AuthenticateAsync(user, config["Mail:Smtp:Password"] ?? "", ct);
            await client.SendAsync(message, ct);
        }
        catch (Exception e) when (e is SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException or AuthenticationException
                                      or SslHandshakeException or SocketException or IOException or TimeoutException
                                  || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            var what = e is SmtpCommandException command ? $"answered {(int)command.StatusCode} {command.Message}" : $"failed: {e.Message}";
            throw new NoticeDeliveryFailed($"The SMTP server {host}:{port} {what}", e);
        }

        // Accepted: a failure to say goodbye must not make the notice look unsent.
        try
        {
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
        }
    }
}
