using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace ContractTherapy.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on loopback (the SmtpServer package) that keeps what it receives. Faults are
/// queued per recipient: an answer to DATA (451, 554) instead of accepting, or the server going down
/// (nothing takes the connection but a socket that drops it at once) until <see cref="ComeUpAsync"/>.
/// </summary>
public sealed class FakeSmtp : IAsyncDisposable
{
    public sealed record Received(MimeMessage Message, string Raw, IReadOnlyList<string> Recipients);

    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _dataCommands = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentDictionary<string, Hold> _holds = new(StringComparer.OrdinalIgnoreCase);
    private SmtpServer.SmtpServer? _server;
    private CancellationTokenSource? _running;
    private Task _serving = Task.CompletedTask;
    private TcpListener? _dropper;
    private TaskCompletionSource _droppedOne = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Port { get; }

    /// <summary>How many times a message to <paramref name="recipient"/> reached DATA, accepted or not.</summary>
    public int DataCommandsTo(string recipient) => _dataCommands.GetValueOrDefault(recipient);

    public IReadOnlyList<Received> Messages => _received.ToList();

    private FakeSmtp(int port) => Port = port;

    public static async Task<FakeSmtp> StartAsync()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var smtp = new FakeSmtp(port);
        await smtp.ComeUpAsync();
        return smtp;
    }

    public IReadOnlyList<Received> MessagesFor(Guid invoiceId) =>
        _received.Where(m => m.Message.Headers["X-ContractTherapy-Invoice"] == invoiceId.ToString()).ToList();

    /// <summary>The next messages to <paramref name="recipient"/> are answered with these codes (e.g. 451, 554) instead of being accepted.</summary>
    public void Answer(string recipient, params int[] codes)
    {
        var queue = _answers.GetOrAdd(recipient, _ => new ConcurrentQueue<int>());
        foreach (var c in codes) queue.Enqueue(c);
    }

    /// <summary>A message held at DATA: the server has it but has not answered yet.</summary>
    public sealed class Hold
    {
        internal readonly TaskCompletionSource Arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        internal readonly TaskCompletionSource Released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached(TimeSpan within) => Arrived.Task.WaitAsync(within);

        public void Release() => Released.TrySetResult();
    }

    /// <summary>The next message to <paramref name="recipient"/> waits at DATA until the test releases it, then is accepted.</summary>
    public Hold HoldNext(string recipient) => _holds[recipient] = new Hold();

    public void Reset()
    {
        foreach (var hold in _holds.Values) hold.Release();
        _holds.Clear();
        _answers.Clear();
        _received.Clear();
        _dataCommands.Clear();
    }

    /// <summary>Stops the server; connections are dropped as soon as they are made until <see cref="ComeUpAsync"/>.</summary>
    public async Task GoDownAsync()
    {
        await StopServerAsync();
        _droppedOne = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _dropper = new TcpListener(IPAddress.Loopback, Port);
        _dropper.Start();
        var dropper = _dropper;
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var socket = await dropper.AcceptSocketAsync();
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                    _droppedOne.TrySetResult();
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        });
    }

    /// <summary>Completes once a client tried to connect while the server was down.</summary>
    public Task DroppedAConnection(TimeSpan within) => _droppedOne.Task.WaitAsync(within);

    public async Task ComeUpAsync()
    {
        _dropper?.Stop();
        _dropper = null;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new SmtpServer.Net.EndpointListenerFactory();
        listeners.EndpointStarted += (_, _) => started.TrySetResult();
        services.Add(listeners);
        _server = new SmtpServer.SmtpServer(options, services);
        _running = new CancellationTokenSource();
        _serving = _server.StartAsync(_running.Token);
        await Task.WhenAny(started.Task, _serving, Task.Delay(TimeSpan.FromSeconds(5)));
        if (_serving.IsFaulted) await _serving;
    }

    private async Task StopServerAsync()
    {
        if (_server is null) return;
        _server.Shutdown();
        await _running!.CancelAsync();
        try
        {
            await _serving;
        }
        catch (OperationCanceledException)
        {
        }
        _server = null;
    }

    public async ValueTask DisposeAsync()
    {
        _dropper?.Stop();
        await StopServerAsync();
    }

    private sealed class Store(FakeSmtp smtp) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken ct)
        {
            var recipients = transaction.To.Select(t => $"{t.User}@{t.Host}").ToList();
            foreach (var r in recipients) smtp._dataCommands.AddOrUpdate(r, 1, (_, n) => n + 1);
            if (recipients.Select(r => smtp._answers.GetValueOrDefault(r)).FirstOrDefault(q => q is not null && !q.IsEmpty) is { } faults
                && faults.TryDequeue(out var code))
                return new SmtpResponse((SmtpReplyCode)code, code >= 500 ? "Transaction failed" : "Local error, try again later");
            foreach (var r in recipients)
                if (smtp._holds.TryRemove(r, out var hold))
                {
                    hold.Arrived.TrySetResult();
                    await hold.Released.Task.WaitAsync(ct);
                }
            var raw = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
            using var stream = new MemoryStream(buffer.ToArray());
            var message = MimeMessage.Load(stream, ct);
            smtp._received.Enqueue(new Received(message, raw, recipients));
            return SmtpResponse.Ok;
        }
    }
}
